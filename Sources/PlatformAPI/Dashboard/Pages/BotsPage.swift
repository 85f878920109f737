import Foundation

extension Dashboard {
    var botRoutes: [Route] {
        [
            page(.get, "/bots", auth: false) { req in
                try self.html("bots", ["bots": Self.botKinds.map { ["name": $0.0, "summary": $0.1] }], req, title: "Bots", section: "bots")
            },
        ]
    }

    /// The six bots of python/tradekit/bots, described until they can be created here.
    static let botKinds: [(String, String)] = [
        ("Grid", "Buys and sells on a ladder of price levels inside a range, taking profit on every round trip."),
        ("DCA", "Enters in steps as the price moves against it, averaging the entry, and exits at a take-profit over the average."),
        ("BTD", "Buy the dip: a grid that only accumulates the base asset on the way down and sells it back higher."),
        ("Loop", "A grid that reinvests its profit, in the quote or the base currency."),
        ("DCA futures", "DCA on a linear perpetual with leverage, isolated margin and its liquidation price."),
        ("Combo", "A futures grid with a DCA entry, a trailing take-profit and a stop-loss."),
    ]
}
