import Foundation

/// The compact binary protocol between the host and a `process`-level worker: little-endian
/// integers, IEEE doubles, length-prefixed UTF-8 strings, each message framed by a UInt32 length.
/// No JSON on the hot path; every read is bounds-checked, so bytes from a worker are never trusted.
package enum Wire {
    /// The largest frame either side accepts.
    package static let maxFrame = 32 << 20
    /// The version of these messages; a worker whose hello names another is refused (another build).
    package static let protocolVersion: UInt32 = 4
    /// The most windows one `runWindows` request may ask for.
    package static let maxWindows = 100_000
    /// "TCSW": the first bytes of a worker's hello after its kind.
    package static let helloMagic: UInt32 = 0x5753_4354

    package struct Writer {
        package private(set) var bytes: [UInt8] = []

        package init() {}

        package mutating func reserve(_ n: Int) { bytes.reserveCapacity(bytes.count + n) }
        package mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
        package mutating func u8(_ v: UInt8) { bytes.append(v) }
        package mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        package mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        package mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        package mutating func f64(_ v: Double) { u64(v.bitPattern) }
        package mutating func string(_ s: String) {
            let utf8 = Array(s.utf8)
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        package mutating func optional(_ v: Double?) {
            u8(v == nil ? 0 : 1)
            f64(v ?? 0)
        }
        package mutating func optionalString(_ s: String?) {
            u8(s == nil ? 0 : 1)
            if let s { string(s) }
        }
        package mutating func doubles(_ xs: [Double]) { raw(xs) }
        package mutating func int64s(_ xs: [Int64]) { raw(xs) }

        /// A count, then the elements' 8-byte little-endian representations (x86-64 and arm64 are
        /// little-endian, so the memory is copied as it is).
        private mutating func raw<T: BitwiseCopyable>(_ xs: [T]) {
            u32(UInt32(xs.count))
            xs.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }

        /// The message with its length prefix.
        package var framed: [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 4)
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
            return out
        }
    }

    package struct Malformed: Error, CustomStringConvertible {
        package let description: String
        package init(description: String) { self.description = description }
    }

    package struct Reader {
        package let bytes: [UInt8]
        package private(set) var offset = 0

        package init(_ bytes: [UInt8]) { self.bytes = bytes }

        /// Bytes not read yet.
        package var remaining: Int { bytes.count - offset }

        package mutating func take(_ n: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard n >= 0, offset + n <= bytes.count else {
                throw Malformed(description: "message ends at byte \(bytes.count), wanted \(n) more at \(offset)")
            }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }

        package mutating func u8() throws(Malformed) -> UInt8 { try take(1).first! }
        package mutating func u32() throws(Malformed) -> UInt32 {
            var v: UInt32 = 0
            for (i, b) in try take(4).enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
            return v
        }
        package mutating func u64() throws(Malformed) -> UInt64 {
            var v: UInt64 = 0
            for (i, b) in try take(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
            return v
        }
        package mutating func i64() throws(Malformed) -> Int64 { Int64(bitPattern: try u64()) }
        package mutating func f64() throws(Malformed) -> Double { Double(bitPattern: try u64()) }
        package mutating func string(max: Int = Wire.maxFrame) throws(Malformed) -> String {
            let n = Int(try u32())
            guard n <= max else { throw Malformed(description: "string of \(n) bytes exceeds \(max)") }
            let slice = try take(n)
            guard let s = String(validating: slice, as: UTF8.self) else { throw Malformed(description: "string is not UTF-8") }
            return s
        }
        package mutating func optional() throws(Malformed) -> Double? {
            let flag = try u8()
            let v = try f64()
            guard flag <= 1 else { throw Malformed(description: "bad optional flag \(flag)") }
            return flag == 1 ? v : nil
        }
        package mutating func optionalString(max: Int = Wire.maxFrame) throws(Malformed) -> String? {
            switch try u8() {
            case 0: return nil
            case 1: return try string(max: max)
            case let f: throw Malformed(description: "bad optional flag \(f)")
            }
        }
        package mutating func doubles() throws(Malformed) -> [Double] { try raw() }
        package mutating func int64s() throws(Malformed) -> [Int64] { try raw() }

        /// A count, then that many 8-byte little-endian elements, copied as they are (the
        /// writer's layout); a count that overruns the message is refused before anything is reserved.
        private mutating func raw<T: BitwiseCopyable>() throws(Malformed) -> [T] {
            let n = Int(try u32())
            guard n <= (bytes.count - offset) / MemoryLayout<T>.size else {
                throw Malformed(description: "array of \(n) elements overruns the message")
            }
            let slice = try take(n * MemoryLayout<T>.size)
            return [T](unsafeUninitializedCapacity: n) { buffer, count in
                slice.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
                count = n
            }
        }
        package var atEnd: Bool { offset == bytes.count }
    }
}
