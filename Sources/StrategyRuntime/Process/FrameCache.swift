/// The frames a worker holds, by the host's frame id: the newest `capacity`, first in first out.
/// The host keeps the same list for each worker process, so it sends a window only when the
/// worker does not hold it; should the lists ever disagree, the worker answers `frameMissing`.
struct FrameCache<Frame> {
    let capacity: Int
    private(set) var ids: [UInt64] = []
    private var frames: [UInt64: Frame] = [:]

    init(capacity: Int = 8) { self.capacity = capacity }

    func contains(_ id: UInt64) -> Bool { frames[id] != nil }
    subscript(id: UInt64) -> Frame? { frames[id] }

    mutating func insert(_ id: UInt64, _ frame: Frame) {
        if frames.updateValue(frame, forKey: id) != nil { return }
        ids.append(id)
        if ids.count > capacity { frames[ids.removeFirst()] = nil }
    }

    mutating func removeAll() {
        ids.removeAll()
        frames.removeAll()
    }
}
