/// The scheduler's queue: jobs grouped by author and served round robin by author, so an author
/// with 300 jobs waits its turn like one with a single job.
///
/// Each job also names a *lane*, of which at most one job is in flight: an author's `process`
/// worker (one process serves one author's calls one at a time, so a second job there would only
/// wait for the first), or the shared in-process interpreter (one GIL for every `shared` and
/// `subinterpreter` strategy). Among an author's jobs whose lane is free, the cheapest (by the
/// caller's estimate) goes first, so a heavy strategy does not hold its author's light ones back.
struct FairQueue<Job> {
    private struct Entry {
        let job: Job
        let lane: String
        let cost: Int
        let order: Int
    }

    private var byAuthor: [String: [Entry]] = [:]
    /// Authors in round-robin order; `next` is where the next scan starts.
    private var ring: [String] = []
    private var next = 0
    private var order = 0

    var count: Int { byAuthor.values.reduce(0) { $0 + $1.count } }
    var isEmpty: Bool { byAuthor.isEmpty }

    mutating func push(_ job: Job, author: String, lane: String, cost: Int) {
        if byAuthor[author] == nil { ring.append(author) }
        order += 1
        byAuthor[author, default: []].append(Entry(job: job, lane: lane, cost: cost, order: order))
    }

    /// The next job to start: from the first author (round robin, after the one served last) that
    /// has a job on a lane for which `free` is true.
    mutating func pop(free: (String) -> Bool) -> (job: Job, lane: String)? {
        guard !ring.isEmpty else { return nil }
        for step in 0..<ring.count {
            let index = (next + step) % ring.count
            let author = ring[index]
            guard let entries = byAuthor[author] else { continue }
            var best: Int?
            for (i, e) in entries.enumerated() where free(e.lane) {
                if let b = best, (entries[b].cost, entries[b].order) <= (e.cost, e.order) { continue }
                best = i
            }
            guard let b = best else { continue }
            var rest = entries
            let entry = rest.remove(at: b)
            if rest.isEmpty {
                byAuthor[author] = nil
                ring.remove(at: index)
                next = ring.isEmpty ? 0 : index % ring.count
            } else {
                byAuthor[author] = rest
                next = (index + 1) % ring.count
            }
            return (entry.job, entry.lane)
        }
        return nil
    }
}
