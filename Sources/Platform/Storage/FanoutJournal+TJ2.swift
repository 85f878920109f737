import StrategyRuntime

extension FanoutJournal {
    /// The first form of an entry, with every field of every order in full; entries written by
    /// earlier versions are still expanded.
    static let legacyMagic: [UInt8] = Array("TJ2".utf8)

    /// - Throws: `PlatformError.storage` naming `row` when the bytes are not a TJ2 entry.
    static func decodeTJ2(_ bytes: [UInt8], row: Int64) throws(PlatformError) -> [FanoutChange] {
        do throws(Wire.Malformed) {
            var r = Wire.Reader(bytes)
            guard try r.take(3).elementsEqual(legacyMagic) else { throw Wire.Malformed(description: "not a TJ2 entry") }
            let count = Int(try r.u32())
            guard count <= r.remaining / 120 else { throw Wire.Malformed(description: "\(count) changes") }
            var changes: [FanoutChange] = []
            changes.reserveCapacity(count)
            for _ in 0..<count {
                let sid = try r.i64(), uid = try r.i64()
                let account = try r.account()
                let next = try r.i64(), firstNew = try r.i64()
                let orders = try r.list(minimum: 90) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.order() }
                var tags: [Int64: OrderTag] = [:]
                for o in orders { tags[o.id] = o.tag }
                let transitions = try r.list(minimum: 19) { (r: inout Wire.Reader) throws(Wire.Malformed) -> OrderTransition in
                    let id = try r.i64()
                    let from = try r.u8()
                    let to: OrderState = try r.code()
                    let time = try r.i64()
                    let reason: OrderReason = try r.code()
                    guard let tag = tags[id] else { throw Wire.Malformed(description: "a transition of order \(id), which is not listed") }
                    return OrderTransition(orderID: id, tag: tag, from: from == 255 ? nil : try Self.state(from), to: to, time: time,
                                           reason: reason)
                }
                let fills = try r.list(minimum: 60) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.fill() }
                let trades = try r.list(minimum: 60) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.trade() }
                let flags = try r.u8()
                guard flags < 4 else { throw Wire.Malformed(description: "open flags \(flags)") }
                let open = flags & 2 != 0 ? try r.position() : nil
                changes.append(FanoutChange(subscriptionID: sid, userID: uid, account: account, nextOrderID: next, firstNewOrderID: firstNew,
                                            orders: orders, transitions: transitions, fills: fills, trades: trades, open: open,
                                            openChanged: flags & 1 != 0))
            }
            guard r.atEnd else { throw Wire.Malformed(description: "bytes past the last change") }
            return changes
        } catch {
            throw PlatformError(.storage, "fan-out journal entry of execution \(row) is malformed (\(bytes.count) bytes: \(error))")
        }
    }
}
