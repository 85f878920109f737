/// Order intents on the worker's wire: a count, then per intent a kind (0 place, 1 cancel, 2
/// cancel-all) and its fields. Decoding trusts nothing: kinds, sides, types and tags are checked.
extension Wire.Writer {
    mutating func intents(_ intents: [OrderIntent]) {
        u32(UInt32(intents.count))
        for intent in intents {
            switch intent {
            case .place(let r):
                u8(0)
                u8(r.side == .buy ? 0 : 1)
                u8(r.type == .market ? 0 : r.type == .limit ? 1 : 2)
                switch r.amount {
                case .quantity(let q): u8(0); f64(q)
                case .quote(let a): u8(1); f64(a)
                }
                optional(r.price)
                optional(r.stopPrice)
                string(r.tag.description)
                u8(r.reduceOnly ? 1 : 0)
            case .cancel(let tag):
                u8(1)
                string(tag.description)
            case .cancelAll:
                u8(2)
            }
        }
    }
}

extension Wire.Reader {
    mutating func intents() throws(Wire.Malformed) -> [OrderIntent] {
        let n = Int(try u32())
        guard n <= 1_000 else { throw Wire.Malformed(description: "\(n) intents") }
        var out: [OrderIntent] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            switch try u8() {
            case 0:
                let side: OrderSide = try u8() == 0 ? .buy : .sell
                let type: OrderType
                switch try u8() {
                case 0: type = .market
                case 1: type = .limit
                case 2: type = .stop
                case let k: throw Wire.Malformed(description: "bad order type \(k)")
                }
                let amount: OrderRequest.Amount
                switch try u8() {
                case 0: amount = .quantity(try f64())
                case 1: amount = .quote(try f64())
                case let k: throw Wire.Malformed(description: "bad amount kind \(k)")
                }
                let price = try optional(), stopPrice = try optional()
                let tag = try orderTag()
                out.append(.place(OrderRequest(side: side, type: type, amount: amount, price: price, stopPrice: stopPrice,
                                               tag: tag, reduceOnly: try u8() == 1)))
            case 1:
                out.append(.cancel(tag: try orderTag()))
            case 2:
                out.append(.cancelAll)
            case let k:
                throw Wire.Malformed(description: "bad intent kind \(k)")
            }
        }
        return out
    }

    private mutating func orderTag() throws(Wire.Malformed) -> OrderTag {
        guard let tag = OrderTag(try string(max: OrderTag.maxLength)) else { throw Wire.Malformed(description: "bad order tag") }
        return tag
    }
}
