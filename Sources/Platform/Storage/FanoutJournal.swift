import StrategyRuntime

/// The binary form of an execution's fan-out, stored in `fanout_journal` in the execution's own
/// transaction and expanded into the accounts, orders, transitions, fills and positions tables
/// behind it (`projectFanouts`).
///
/// The compact form ("TJ3") is written once per execution, inside the commit, so its size is the
/// commit's cost: every subscriber mirrors the same few orders, so what orders share (tag, side,
/// type, prices, purpose, the candle they were placed at) is a table at the head of the entry and
/// each order names its row; ids, times and counts are varints relative to their neighbours; a
/// number that is zero is a bit in a mask instead of eight bytes. Entries written in the first
/// form ("TJ2") are still read.
///
/// Enums are their index in `allCases` (new cases go last). Decoding never trusts the bytes: a
/// malformed row is a typed error.
enum FanoutJournal {
    static let magic: [UInt8] = Array("TJ3".utf8)

    static func encode(_ changes: [FanoutChange]) -> [UInt8] {
        var encoder = Encoder(base: changes.first(where: { !$0.transitions.isEmpty })?.transitions[0].time ?? 0,
                              capacity: 64 + changes.count * 320)
        for c in changes { encoder.change(c) }
        return encoder.finish()
    }

    /// - Throws: `PlatformError.storage` naming `row` when the bytes are not a journal entry.
    static func decode(_ bytes: [UInt8], row: Int64) throws(PlatformError) -> [FanoutChange] {
        if bytes.starts(with: legacyMagic) { return try decodeTJ2(bytes, row: row) }
        do throws(Wire.Malformed) {
            var decoder = try Decoder(bytes)
            return try decoder.changes()
        } catch {
            throw PlatformError(.storage, "fan-out journal entry of execution \(row) is malformed (\(bytes.count) bytes: \(error))")
        }
    }

    /// An enum's one-byte code: its index in `allCases`.
    ///
    /// A case-only enum of 2–256 cases is stored as one byte holding its case's index in
    /// declaration order, which is `allCases`' order, so the byte is the code (no search per
    /// order of a 10,000-subscriber entry); `FanoutJournalTests` checks every case of every coded enum.
    @inline(__always) static func code<T: JournalCoded>(_ value: T) -> UInt8 {
        MemoryLayout<T>.size == 1 ? unsafeBitCast(value, to: UInt8.self) : UInt8(T.table.firstIndex(of: value) ?? 0)
    }

    static func state(_ code: UInt8) throws(Wire.Malformed) -> OrderState {
        guard Int(code) < OrderState.table.count else { throw Wire.Malformed(description: "state \(code)") }
        return OrderState.table[Int(code)]
    }
}

/// An enum stored as one byte: its index in `table` (its cases in declaration order; new cases go last).
protocol JournalCoded: CaseIterable, Equatable {
    static var table: [Self] { get }
}

extension OrderSide: JournalCoded { static let table = Array(allCases) }
extension OrderType: JournalCoded { static let table = Array(allCases) }
extension OrderState: JournalCoded { static let table = Array(allCases) }
extension OrderReason: JournalCoded { static let table = Array(allCases) }
extension OrderPurpose: JournalCoded { static let table = Array(allCases) }
extension MarketKind: JournalCoded { static let table = Array(allCases) }

