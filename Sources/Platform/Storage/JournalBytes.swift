import StrategyRuntime

/// The byte writer of the compact journal: LEB128 varints (zigzag for signed numbers), raw
/// little-endian doubles, length-prefixed UTF-8.
///
/// It owns a raw buffer and stores through its pointer: the journal of an execution with 10,000
/// subscribers is written value by value, and an `Array` costs a uniqueness check (a call) and a
/// bounds check on every byte. Not copyable, so the buffer has exactly one owner.
struct JournalWriter: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        base = .allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    @inline(__always) private mutating func room(_ n: Int) {
        if count + n > capacity { grow(n) }
    }

    private mutating func grow(_ n: Int) {
        let size = max(capacity * 2, count + n)
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        bigger.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = bigger
        capacity = size
    }

    @inline(__always) mutating func u8(_ v: UInt8) {
        room(1)
        base.storeBytes(of: v, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) mutating func varint(_ value: UInt64) {
        room(10)
        var v = value
        while v >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: count, as: UInt8.self)
            count += 1
            v >>= 7
        }
        base.storeBytes(of: UInt8(v), toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) mutating func count(_ n: Int) { varint(UInt64(n)) }

    /// A signed number, small in either direction: zigzag, then varint.
    @inline(__always) mutating func signed(_ v: Int64) { varint(UInt64(bitPattern: (v &<< 1) ^ (v >> 63))) }

    @inline(__always) mutating func f64(_ v: Double) {
        room(8)
        base.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: count, as: UInt64.self)  // unaligned stores are allowed
        count += 8
    }

    mutating func raw<S: Collection>(_ b: S) where S.Element == UInt8 {
        room(b.count)
        for byte in b { u8(byte) }
    }

    mutating func text<S: Collection>(utf8 s: S) where S.Element == UInt8 {
        count(s.count)
        raw(s)
    }

    /// These bytes followed by `other`'s, in one array (one copy of each).
    func joined(with other: borrowing JournalWriter) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count + other.count) { out, n in
            let to = UnsafeMutableRawPointer(out.baseAddress!)
            to.copyMemory(from: base, byteCount: count)
            (to + count).copyMemory(from: other.base, byteCount: other.count)
            n = count + other.count
        }
    }
}

/// Reads what `JournalWriter` wrote, never trusting the bytes: every read is bounds-checked, a
/// varint longer than 64 bits and a count the remaining bytes cannot hold are refused.
struct JournalReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var atEnd: Bool { offset == bytes.count }

    mutating func expect(_ magic: [UInt8]) throws(Wire.Malformed) {
        guard bytes.count >= magic.count, bytes[0..<magic.count].elementsEqual(magic) else {
            throw Wire.Malformed(description: "not a \(String(decoding: magic, as: UTF8.self)) entry")
        }
        offset = magic.count
    }

    @inline(__always) mutating func u8() throws(Wire.Malformed) -> UInt8 {
        guard offset < bytes.count else { throw Wire.Malformed(description: "the entry ends at byte \(bytes.count)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws(Wire.Malformed) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            guard shift < 64, shift < 63 || b <= 1 else { throw Wire.Malformed(description: "a varint longer than 64 bits at \(offset)") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    mutating func signed() throws(Wire.Malformed) -> Int64 {
        let z = try varint()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    /// A count of elements each at least `minimum` bytes long: more than the rest can hold is refused.
    mutating func count(minimum: Int) throws(Wire.Malformed) -> Int {
        let n = try varint()
        guard n <= UInt64(remaining / max(1, minimum)) else { throw Wire.Malformed(description: "\(n) elements overrun the entry") }
        return Int(n)
    }

    /// An index into a table of `size` entries.
    mutating func index(below size: Int) throws(Wire.Malformed) -> Int {
        let i = try varint()
        guard i < UInt64(size) else { throw Wire.Malformed(description: "index \(i) past a table of \(size)") }
        return Int(i)
    }

    @inline(__always) mutating func f64() throws(Wire.Malformed) -> Double {
        guard offset + 8 <= bytes.count else { throw Wire.Malformed(description: "the entry ends at byte \(bytes.count)") }
        defer { offset += 8 }
        let bits = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        return Double(bitPattern: UInt64(littleEndian: bits))
    }

    mutating func text(max: Int) throws(Wire.Malformed) -> String {
        let n = try count(minimum: 1)
        guard n <= max else { throw Wire.Malformed(description: "a text of \(n) bytes exceeds \(max)") }
        defer { offset += n }
        guard let s = String(validating: bytes[offset..<(offset + n)], as: UTF8.self) else {
            throw Wire.Malformed(description: "a text that is not UTF-8")
        }
        return s
    }
}
