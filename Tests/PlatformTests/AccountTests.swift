import Foundation
import Platform
import StrategyRuntime
import Testing

/// Balances, reservations, rounding, rejections, mirroring and the account view.
@Suite struct AccountTests {
    @Test func aSpotBuyReservesPriceTimesQuantityPlusFeeAndACancelReleasesIt() {
        let ex = Orders.exchange(Orders.spotRules(maker: 0.001, taker: 0.001))
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        ex.place([Orders.limit(.buy, 2, 100, "b")], on: &book, close: 101, time: 0, into: &j)
        #expect(near(book.quoteReserved, 200.2))
        #expect(near(book.account.quoteFree, 799.8))
        ex.place([.cancel(tag: "b")], on: &book, close: 101, time: 0, into: &j)
        #expect(book.quoteReserved == 0)
        #expect(book.account.quoteFree == 1_000)
        #expect(j.history("b").map(\.1) == [.placed, .cancelledByStrategy])
    }

    @Test func anOrderTheFreeBalanceCannotCoverIsRejectedAndRecorded() {
        let ex = Orders.exchange(Orders.spotRules(maker: 0.001, taker: 0.001))
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        // 10 × 100 × 1.001 = 1,001 > 1,000.
        let accepted = ex.place([Orders.limit(.buy, 10, 100, "big"), Orders.limit(.sell, 1, 120, "short")],
                                on: &book, close: 100, time: 0, into: &j)
        #expect(accepted == 0)
        #expect(j.rejections.map(\.reason) == [.insufficientBalance, .insufficientBalance])
        #expect(j.closed.map(\.state) == [.rejected, .rejected])
        #expect(j.transitions.map(\.from) == [nil, nil])
        #expect(book.orders.isEmpty && book.account.quoteFree == 1_000)
    }

    @Test func aFuturesOrderReservesItsMarginAndFee() {
        let ex = Orders.exchange(Orders.futuresRules(maker: 0.0002, taker: 0.0005))
        var book = Orders.futures(wallet: 100, leverage: 10)
        var j = OrderJournal()
        ex.place([Orders.limit(.buy, 1, 1_000, "too-big"), Orders.limit(.buy, 0.5, 1_000, "half")],
                 on: &book, close: 1_010, time: 0, into: &j)
        #expect(j.reason("too-big") == .insufficientBalance)
        #expect(near(book.quoteReserved, 50 + 500 * 0.0002))
        #expect(near(book.cash, 100))
    }

    @Test func pricesRoundToTheNearestTickAndQuantitiesDownToTheLot() throws {
        let rules = Orders.spotRules(tick: 0.1, lot: 0.1)
        #expect(rules.roundPrice(99.57) == 99.6)
        #expect(rules.roundPrice(99.54) == 99.5)
        // Naively floor(0.3 / 0.1) is 2 and 3 × 0.1 is 0.30000000000000004.
        #expect((0.3 / 0.1).rounded(.down) == 2)
        #expect(rules.roundQuantity(0.3) == 0.3)
        #expect(rules.roundQuantity(0.1 + 0.2) == 0.3)
        #expect(rules.roundQuantity(0.7) == 0.7)
        #expect(rules.roundQuantity(0.35) == 0.3)
        #expect(rules.roundQuantity(0.09) == 0)
        let fine = Orders.spotRules(tick: 0.01, lot: 0.001)
        var sum = 0.0
        for n in 1...2_000 {
            sum += 0.001
            #expect(fine.roundQuantity(sum) == Double("\(n / 1000).\(String(repeating: "0", count: 3 - String(n % 1000).count))\(n % 1000)"))
        }
        #expect(fine.roundPrice(1.005) == 1.01)
        let quarter = try MarketRules(market: .spot, tickSize: 2.5e-5)
        #expect(quarter.roundPrice(0.0001374) == 0.000125)
        #expect(quarter.roundPrice(0.0001388) == 0.00015)
    }

    @Test func aQuoteAmountIsConvertedAndRoundedDownNeverUp() {
        let ex = Orders.exchange(Orders.spotRules(tick: 0.1, lot: 0.1, minQty: 0.2))
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        ex.place([.place(.limit(.buy, .quote(10), at: 33.3, tag: "q"))], on: &book, close: 34, time: 0, into: &j)
        #expect(book.orders.first?.quantity == 0.3)  // 10 / 33.3 = 0.3003
        ex.place([.place(.limit(.buy, .quote(6.6), at: 33.3, tag: "small"))], on: &book, close: 34, time: 0, into: &j)
        #expect(j.reason("small") == .belowMinQuantity)  // 0.198 → 0.1 < 0.2, never up to 0.2
    }

    @Test func ordersUnderTheMinimumsAreRejectedWithTheReason() {
        let ex = Orders.exchange(Orders.spotRules(lot: 0.001, minQty: 0.01, minNotional: 10))
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        ex.place([Orders.limit(.buy, 0.009, 100, "qty"), Orders.limit(.buy, 0.099, 100, "notional"),
                  Orders.limit(.buy, 0.1, 100, "ok")], on: &book, close: 100, time: 0, into: &j)
        #expect(j.reason("qty") == .belowMinQuantity)
        #expect(j.reason("notional") == .belowMinNotional)
        #expect(book.orders.map(\.tag) == ["ok"])
    }

    @Test func numbersThatAreNotFiniteOrAbsurdAreRejectedNeverStored() {
        let ex = Orders.exchange(Orders.spotRules())
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        ex.place([Orders.limit(.buy, 1, .nan, "nan-price"), Orders.limit(.buy, .infinity, 10, "inf-qty"),
                  Orders.limit(.buy, 1, 1e10, "huge-price"), Orders.limit(.buy, -1, 10, "negative"),
                  .place(.limit(.buy, .quote(5), at: 1e-9, tag: "tiny-price"))], on: &book, close: 100, time: 0, into: &j)
        ex.place([Orders.limit(.buy, 1, 10, "nan-ratio")], scaledBy: .nan, on: &book, close: 100, time: 0, into: &j)
        #expect(j.rejections.map(\.reason) == [.invalidPrice, .invalidQuantity, .invalidPrice, .invalidQuantity, .invalidPrice,
                                               .invalidQuantity])
        for o in j.closed {
            #expect(o.quantity.isFinite && (o.price?.isFinite ?? true))
        }
        #expect(book.orders.isEmpty)
    }

    @Test func tagsAreOneTo36PlainCharacters() {
        func tag(_ text: String) -> OrderTag? { OrderTag(text) }  // a literal would pick the trapping literal init
        #expect(tag("g3.7:b-x_Y")?.description == "g3.7:b-x_Y")
        let longest = String(repeating: "z", count: 36)
        #expect(tag(longest)?.description == longest)
        #expect(tag(longest)?.count == 36)
        #expect(tag(longest + "z") == nil)
        #expect(tag("") == nil)
        #expect(tag("bad tag") == nil)
        #expect(tag("é") == nil)
        #expect(tag("a") != tag("a0"))
        #expect(tag("sig:open.9223372036854775807") != nil)
    }

    @Test func tagsAreUniqueAmongOpenOrdersAndReusableAfterwards() {
        let ex = Orders.exchange(Orders.spotRules())
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        ex.place([Orders.limit(.buy, 1, 90, "g3"), Orders.limit(.buy, 1, 80, "g3"), .cancel(tag: "nope")],
                 on: &book, close: 100, time: 0, into: &j)
        #expect(j.rejections.map(\.reason) == [.duplicateTag, .unknownTag])
        ex.match(&book, candle: Orders.bar(60, 100, 100, 89, 95), into: &j)
        ex.place([Orders.limit(.buy, 1, 85, "g3")], on: &book, close: 95, time: 60, into: &j)
        #expect(book.orders.map(\.tag) == ["g3"])
        #expect(book.orders.first?.price == 85)
    }

    @Test func aMirroredOrderUnderTheMinimumIsRejectedForThatSubscriberAlone() {
        let ex = Orders.exchange(Orders.spotRules(lot: 0.001, minNotional: 1))
        var reference = Orders.spot(quote: 10_000)
        var j = OrderJournal()
        let intents = [Orders.limit(.buy, 1, 100, "g1"), Orders.limit(.buy, 0.5, 100, "g2"), .cancel(tag: "unknown")]
        let accepted = ex.placeReference(intents, on: &reference, close: 101, time: 0, into: &j)
        #expect(accepted.count == 2)
        var subscribers = [500.0, 100, 40].map { Orders.spot(quote: $0) }
        var outcomes: [[OrderReason]] = []
        for i in subscribers.indices {
            let ratio = PaperExchange.mirrorRatio(capital: [500.0, 100, 40][i], referenceCapital: 10_000)!
            var sj = OrderJournal()
            ex.place(accepted, scaledBy: ratio, on: &subscribers[i], close: 101, time: 0, into: &sj)
            outcomes.append(sj.rejections.map(\.reason))
        }
        // 500: 0.05 and 0.025 (5 and 2.5 quote); 100: 0.01 and 0.005 (1 and 0.5); 40: 0.4 and 0.2 quote.
        #expect(subscribers.map { $0.orders.map(\.quantity) } == [[0.05, 0.025], [0.01], []])
        #expect(outcomes == [[], [.belowMinNotional], [.belowMinNotional, .belowMinNotional]])
        // Cancels are mirrored by tag: only a subscriber that holds the tag cancels something.
        let cancel = ex.placeReference([.cancel(tag: "g1")], on: &reference, close: 101, time: 60, into: &j)
        var sj = OrderJournal()
        ex.place(cancel, scaledBy: 0.05, on: &subscribers[0], close: 101, time: 60, into: &sj)
        ex.place(cancel, scaledBy: 0.004, on: &subscribers[2], close: 101, time: 60, into: &sj)
        #expect(subscribers[0].orders.map(\.tag) == ["g2"])
        #expect(near(subscribers[0].account.quoteFree, 497.5))
        #expect(sj.rejections.map(\.reason) == [.unknownTag])
        #expect(PaperExchange.mirrorRatio(capital: 0, referenceCapital: 1) == nil)
    }

    @Test func theAccountViewFollowsTheContract() throws {
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 1_000, leverage: 10)
        var j = OrderJournal()
        ex.place([Orders.market(.buy, 1, "bo"), Orders.limit(.sell, 1, 110, "tp", reduceOnly: true),
                  Orders.limit(.buy, 1, 1e12, "bad")], on: &book, close: 100, time: 60_000, into: &j)
        let text = AccountView.json(book, fills: j.fills[...], rejections: j.rejections[...])
        let view = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(view["market"] as? String == "futures")
        let quote = (view["balances"] as? [String: Any])?["quote"] as? [String: Double]
        #expect(quote == ["free": 990, "reserved": 10])
        let position = try #require(view["position"] as? [String: Double])
        #expect(position["qty"] == 1 && position["entry_price"] == 100 && position["margin"] == 10 && position["leverage"] == 10)
        #expect(near(position["liquidation_price"], (100 - 10) / 0.995))
        let open = try #require(view["open_orders"] as? [[String: Any]])
        #expect(open.count == 1)
        #expect(open.first?["tag"] as? String == "tp" && open.first?["price"] as? Double == 110)
        #expect(open.first?["stop_price"] is NSNull && open.first?["reduce_only"] as? Bool == true)
        let fills = try #require(view["fills"] as? [[String: Any]])
        #expect(fills.first?["tag"] as? String == "bo" && fills.first?["time"] as? Int == 60_000)
        #expect(fills.first?["liquidation"] as? Bool == false)
        let rejected = try #require(view["rejected"] as? [[String: Any]])
        #expect(rejected.first?["reason"] as? String == "invalid-price")

        let spotBook = Orders.spot(quote: 50, base: 2)
        let spotView = try #require(try JSONSerialization.jsonObject(
            with: Data(AccountView.json(spotBook, fills: [Fill](), rejections: [Rejection(tag: "x:1", reason: .oco, time: 1)]).utf8))
            as? [String: Any])
        #expect((spotView["balances"] as? [String: [String: Double]])?["base"] == ["free": 2, "reserved": 0])
        #expect(spotView["position"] is NSNull)
        #expect(((spotView["rejected"] as? [[String: Any]])?.first?["tag"] as? String) == "x:1")
    }
}
