import StrategyRuntime

/// `ctx.account` of the order contract, as the compact JSON handed to Python on each call.
public enum AccountView {
    /// The account as of a candle's close:
    /// `{"market", "balances", "position", "open_orders", "fills", "rejected"}`.
    ///
    /// - `balances`: spot `{"base": {"free", "reserved"}, "quote": {"free", "reserved"}}`;
    ///   futures `{"quote": {"free", "reserved"}}` (reserved = margin in use + order margin).
    /// - `position`: futures only, null when flat, else `{"qty" (signed), "entry_price", "margin",
    ///   "leverage", "liquidation_price"}` (0 when a long cannot be liquidated).
    /// - `open_orders`: `{"tag", "side", "type", "price", "stop_price", "quantity", "filled",
    ///   "reduce_only"}`, oldest first.
    /// - `fills` since the previous call, in order: `{"tag", "side", "price", "quantity", "fee",
    ///   "time" (epoch ms), "liquidation"}`; a liquidation has tag "liquidation".
    /// - `rejected` since the previous call: `{"tag", "reason", "time"}`.
    ///
    /// - Parameters:
    ///   - fills: the fills since the previous call (e.g. a journal's fills from a mark).
    ///   - rejections: the refused placements and cancels since the previous call.
    public static func json(_ book: AccountBook, fills: some Collection<Fill>, rejections: some Collection<Rejection>) -> String {
        var out = ""
        out.reserveCapacity(256 + 160 * (book.orders.count + fills.count) + 64 * rejections.count)
        let a = book.account
        out += "{\"market\":\"\(a.market.rawValue)\",\"balances\":{"
        if a.market == .spot {
            out += "\"base\":{\"free\":"
            number(a.baseFree, &out)
            out += ",\"reserved\":"
            number(book.baseReserved, &out)
            out += "},"
        }
        out += "\"quote\":{\"free\":"
        number(a.quoteFree, &out)
        out += ",\"reserved\":"
        number(book.quoteReserved, &out)
        out += "}},\"position\":"
        let p = a.position
        if a.market == .futures, p.quantity != 0 {
            out += "{\"qty\":"
            number(p.quantity, &out)
            out += ",\"entry_price\":"
            number(p.entryPrice, &out)
            out += ",\"margin\":"
            number(p.margin, &out)
            out += ",\"leverage\":"
            number(a.leverage, &out)
            out += ",\"liquidation_price\":"
            number(p.liquidationPrice, &out)
            out += "}"
        } else {
            out += "null"
        }
        out += ",\"open_orders\":["
        var first = true
        for o in book.orders where !o.state.isTerminal {
            if !first { out += "," }
            first = false
            out += "{\"tag\":"
            string(o.tag, &out)
            out += ",\"side\":\"\(o.side.rawValue)\",\"type\":\"\(o.type.rawValue)\",\"price\":"
            optional(o.type == .limit ? o.price : nil, &out)
            out += ",\"stop_price\":"
            optional(o.type == .stop ? o.stopPrice : nil, &out)
            out += ",\"quantity\":"
            number(o.quantity, &out)
            out += ",\"filled\":"
            number(o.filled, &out)
            out += o.reduceOnly ? ",\"reduce_only\":true}" : ",\"reduce_only\":false}"
        }
        out += "],\"fills\":["
        first = true
        for f in fills {
            if !first { out += "," }
            first = false
            out += "{\"tag\":"
            string(f.tag, &out)
            out += ",\"side\":\"\(f.side.rawValue)\",\"price\":"
            number(f.price, &out)
            out += ",\"quantity\":"
            number(f.quantity, &out)
            out += ",\"fee\":"
            number(f.fee, &out)
            out += ",\"time\":\(f.time)"
            out += f.liquidation ? ",\"liquidation\":true}" : ",\"liquidation\":false}"
        }
        out += "],\"rejected\":["
        first = true
        for r in rejections {
            if !first { out += "," }
            first = false
            out += "{\"tag\":"
            string(r.tag, &out)
            out += ",\"reason\":\"\(r.reason.rawValue)\",\"time\":\(r.time)}"
        }
        out += "]}"
        return out
    }

    /// A finite number in its shortest round-trip form (JSON null otherwise, which the engine
    /// never produces).
    static func number(_ x: Double, _ out: inout String) {
        if x.isFinite { out += x.description } else { out += "null" }
    }

    static func optional(_ x: Double?, _ out: inout String) {
        if let x { number(x, &out) } else { out += "null" }
    }

    /// A tag as a JSON string (its characters never need escaping).
    static func string(_ tag: OrderTag, _ out: inout String) {
        out += "\""
        out += tag.description
        out += "\""
    }
}
