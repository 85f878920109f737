import Platform
import StrategyRuntime
import Testing

/// Every matching rule of ORDERS.md, one test each.
@Suite struct OrderMatchingTests {
    let spot = Orders.exchange(Orders.spotRules())

    /// A spot book holding 10 base at 100 and 10,000 quote, with a limit buy at 95 and a limit
    /// sell at 105 placed at the close of candle 0.
    func bracket() -> AccountBook {
        var book = Orders.spot(quote: 10_000, base: 10)
        var j = OrderJournal()
        spot.place([Orders.limit(.buy, 1, 95, "b"), Orders.limit(.sell, 1, 105, "s")], on: &book, close: 100, time: 0, into: &j)
        return book
    }

    @Test func anUpCandleWalksOpenLowHighClose() {
        var book = bracket()
        var j = OrderJournal()
        spot.match(&book, candle: Orders.bar(60, 100, 106, 94, 104), into: &j)
        #expect(j.fills.map(\.tag) == ["b", "s"])
        #expect(j.fills.map(\.price) == [95, 105])
    }

    @Test func aDownCandleWalksOpenHighLowClose() {
        var book = bracket()
        var j = OrderJournal()
        spot.match(&book, candle: Orders.bar(60, 100, 106, 94, 96), into: &j)
        #expect(j.fills.map(\.tag) == ["s", "b"])
    }

    @Test func onOneLegOrdersFillInPriceOrder() {
        var book = Orders.spot(quote: 10_000)
        var j = OrderJournal()
        spot.place([Orders.limit(.buy, 1, 96, "b96"), Orders.limit(.buy, 1, 98, "b98"), Orders.limit(.buy, 1, 97, "b97")],
                   on: &book, close: 100, time: 0, into: &j)
        j.removeAll()
        spot.match(&book, candle: Orders.bar(60, 100, 101, 95, 96), into: &j)
        #expect(j.fills.map(\.tag) == ["b98", "b97", "b96"])
        #expect(book.orders.isEmpty)
    }

    @Test func aLimitFillsAtTheOpenWhenTheCandleGapsThroughIt() {
        var book = bracket()
        var j = OrderJournal()
        spot.match(&book, candle: Orders.bar(60, 90, 92, 89, 91), into: &j)
        #expect(j.fills.map(\.tag) == ["b"])
        #expect(j.fills.first?.price == 90)
        #expect(j.fills.first?.maker == true)
        var up = bracket()
        j.removeAll()
        spot.match(&up, candle: Orders.bar(60, 110, 112, 108, 111), into: &j)
        #expect(j.fills.map(\.price) == [110])
        #expect(j.fills.map(\.tag) == ["s"])
    }

    @Test func aStopFillsAtItsPriceOrAtTheOpenAfterAGapWithSlippage() {
        let ex = Orders.exchange(Orders.spotRules(), slippageBps: 10)
        var j = OrderJournal()
        var book = Orders.spot(quote: 0, base: 2)
        ex.place([Orders.stop(.sell, 1, 95, "sl")], on: &book, close: 100, time: 0, into: &j)
        var gapped = book
        j.removeAll()
        ex.match(&book, candle: Orders.bar(60, 100, 101, 94, 96), into: &j)
        #expect(near(j.fills.first?.price, 95 * 0.999))
        #expect(j.fills.first?.maker == false)
        j.removeAll()
        ex.match(&gapped, candle: Orders.bar(60, 90, 91, 88, 89), into: &j)
        #expect(near(j.fills.first?.price, 90 * 0.999))
    }

    @Test func stopAndTakeProfitInOneCandleFollowThePathAndCancelEachOther() {
        let ex = Orders.exchange(Orders.futuresRules())
        for (candle, first, other) in [(Orders.bar(60, 100, 106, 94, 104), "stop-loss", "take-profit"),
                                       (Orders.bar(60, 100, 106, 94, 96), "take-profit", "stop-loss")] {
            var book = Orders.futures(wallet: 10_000, leverage: 5)
            var j = OrderJournal()
            ex.apply(Orders.signal(.buy, close: 100, stopLoss: 95, takeProfit: 105), terms: Orders.terms(leverage: 5),
                     on: &book, close: 100, time: 0, into: &j)
            #expect(book.orders.map(\.purpose) == [.stopLoss, .takeProfit])
            j.removeAll()
            ex.match(&book, candle: candle, into: &j)
            #expect(j.fills.map(\.purpose.rawValue) == [first])
            let cancelled = j.closed.first { $0.purpose.rawValue == other }
            #expect(cancelled?.state == .cancelled)
            #expect(cancelled?.reason == .oco)
            #expect(book.orders.isEmpty)
            #expect(book.account.position == .flat)
        }
    }

    @Test func liquidationComesBeforeALimitAtTheSamePrice() {
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 5_000, leverage: 10)
        var j = OrderJournal()
        ex.place([Orders.market(.buy, 10, "long")], on: &book, close: 2000, time: 0, into: &j)
        let lp = book.account.position.liquidationPrice
        ex.place([Orders.limit(.buy, 1, lp, "at-lp")], on: &book, close: 2000, time: 0, into: &j)
        #expect(book.orders.first?.price == lp)
        let cashBefore = book.cash
        j.removeAll()
        ex.match(&book, candle: Orders.bar(60, 1900, 1910, 1800, 1850), into: &j)
        #expect(j.fills.count == 1)
        #expect(j.fills.first?.liquidation == true)
        #expect(j.fills.first?.tag == "liquidation")
        #expect(j.fills.first?.price == lp)
        #expect(j.state("at-lp") == .cancelled)
        #expect(j.reason("at-lp") == .liquidation)
        #expect(book.account.position == .flat)
        // The isolated margin (2,000) is lost, and only it.
        #expect(near(cashBefore - book.cash, 2_000, 1e-6))
        #expect(near(book.account.realisedPnl - book.account.fees, -2_000, 1e-6))
    }

    @Test func theLiquidationPriceCheckValue() {
        #expect(near(Account.liquidationPrice(quantity: 10, entry: 2000, margin: 2000, mmr: 0.005, cum: 0), 1809.05, 0.005))
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 2_000, leverage: 10)
        var j = OrderJournal()
        ex.place([Orders.market(.buy, 10, "long")], on: &book, close: 2000, time: 0, into: &j)
        #expect(book.account.position.margin == 2_000)
        #expect(near(book.account.position.liquidationPrice, 18_000 / 9.95))
        #expect(near(book.account.position.liquidationPrice, 1809.05, 0.005))
        // Short mirror: (Q·EP + M) / (Q·(1 + MMR)).
        #expect(near(Account.liquidationPrice(quantity: -10, entry: 2000, margin: 2000, mmr: 0.005, cum: 0), 22_000 / 10.05))
    }

    @Test func theDCAFuturesWorkedExample() {
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 10_000, leverage: 5)
        var j = OrderJournal()
        ex.place([.place(.market(.buy, .quote(1_000), tag: "bo"))], on: &book, close: 100, time: 0, into: &j)
        var p = book.account.position
        #expect(near(p.quantity, 10) && near(p.margin, 200) && near(p.liquidationPrice, 80.4020, 5e-5))
        ex.place([.place(.limit(.buy, .quote(1_000), at: 98, tag: "so1")), .place(.limit(.buy, .quote(1_500), at: 96, tag: "so2")),
                  .place(.limit(.buy, .quote(2_250), at: 94, tag: "so3"))], on: &book, close: 100, time: 0, into: &j)
        ex.match(&book, candle: Orders.bar(60, 100, 100.5, 93, 93.5), into: &j)
        p = book.account.position
        #expect(near(p.quantity, 59.765252, 5e-7))
        #expect(near(p.entryPrice, 96.2098, 5e-5))
        #expect(near(p.margin, 1_150, 1e-9))
        #expect(near(p.liquidationPrice, 77.3546, 5e-5))
    }

    @Test func aReduceOnlyOrderIsCutToThePositionAndNeverFlipsIt() {
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 10_000, leverage: 2)
        var j = OrderJournal()
        ex.place([Orders.market(.sell, 5, "short"), Orders.limit(.buy, 8, 95, "tp", reduceOnly: true)],
                 on: &book, close: 100, time: 0, into: &j)
        #expect(book.orders.first?.quantity == 5)  // cut when placed
        ex.place([Orders.market(.buy, 2, "part", reduceOnly: true)], on: &book, close: 100, time: 0, into: &j)
        #expect(book.account.position.quantity == -3)
        j.removeAll()
        ex.match(&book, candle: Orders.bar(60, 100, 101, 94, 95), into: &j)
        #expect(j.fills.map(\.quantity) == [3])  // cut again when it fills
        #expect(book.account.position == .flat)
    }

    @Test func aReduceOnlyOrderWithNothingToReduceIsRejectedOrExpires() {
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 10_000, leverage: 2)
        var j = OrderJournal()
        ex.place([Orders.limit(.sell, 1, 105, "flat", reduceOnly: true)], on: &book, close: 100, time: 0, into: &j)
        #expect(j.history("flat").map(\.1) == [.reduceOnlyWouldIncrease])
        #expect(j.state("flat") == .rejected)
        ex.place([Orders.market(.buy, 1, "long"), Orders.limit(.sell, 1, 105, "tp", reduceOnly: true),
                  Orders.market(.sell, 1, "out", reduceOnly: true)], on: &book, close: 100, time: 0, into: &j)
        ex.match(&book, candle: Orders.bar(60, 100, 106, 99, 105), into: &j)
        #expect(j.state("tp") == .expired)
        #expect(j.reason("tp") == .reduceOnlyWouldIncrease)
        #expect(book.account.position == .flat)
    }

    @Test func noOrderFillsInTheCandleItWasPlacedIn() {
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        spot.place([Orders.limit(.buy, 1, 95, "b")], on: &book, close: 100, time: 60, into: &j)
        spot.match(&book, candle: Orders.bar(60, 100, 101, 90, 100), into: &j)
        #expect(j.fills.isEmpty)
        spot.match(&book, candle: Orders.bar(120, 100, 101, 90, 100), into: &j)
        #expect(j.fills.map(\.time) == [120])
    }

    @Test func aMarketOrderFillsAtTheCloseWithSlippageAndTheTakerFee() {
        let ex = Orders.exchange(Orders.spotRules(maker: 0.001, taker: 0.002), slippageBps: 10)
        var book = Orders.spot(quote: 1_000)
        var j = OrderJournal()
        ex.place([Orders.market(.buy, 1, "m")], on: &book, close: 100, time: 0, into: &j)
        #expect(near(j.fills.first?.price, 100.1))
        #expect(near(j.fills.first?.fee, 100.1 * 0.002))
        #expect(j.history("m").map(\.0) == [.new, .filled])
        ex.place([Orders.limit(.sell, 1, 110, "l")], on: &book, close: 100, time: 0, into: &j)
        ex.match(&book, candle: Orders.bar(60, 100, 111, 99, 109), into: &j)
        #expect(near(j.fills.last?.fee, 110 * 0.001))  // maker on the limit fill
    }

    @Test func aSignalReversesThePositionAndReplacesItsStopAndTakeProfit() {
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 10_000, leverage: 1)
        var j = OrderJournal()
        ex.apply(Orders.signal(.sell, close: 100, stopLoss: 104, takeProfit: 90), terms: Orders.terms(), on: &book, close: 100,
                 time: 0, into: &j)
        #expect(near(book.account.position.quantity, -25))  // risk 100 / |100 − 104|
        j.removeAll()
        ex.apply(Orders.signal(.buy, close: 98, stopLoss: 96, takeProfit: 110), terms: Orders.terms(), on: &book, close: 98,
                 time: 60, into: &j)
        #expect(j.fills.map(\.purpose) == [.close, .open])
        #expect(near(j.fills.first?.realisedPnl, 50))
        #expect(j.closed.filter { $0.reason == .positionClosed }.map(\.purpose) == [.stopLoss, .takeProfit])
        #expect(near(book.account.position.quantity, 50))  // risk 100 / |98 − 96|
        #expect(book.orders.map(\.purpose) == [.stopLoss, .takeProfit])
        #expect(book.orders.allSatisfy { $0.reduceOnly && $0.side == .sell && $0.quantity == 50 })
    }

    @Test func sellOnlyClosesOnSpotAndWithoutShorts() {
        let fut = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 10_000, leverage: 1)
        var j = OrderJournal()
        let noShorts = Orders.terms(allowShort: false)
        fut.apply(Orders.signal(.buy, close: 100), terms: noShorts, on: &book, close: 100, time: 0, into: &j)
        fut.apply(Orders.signal(.sell, close: 100), terms: noShorts, on: &book, close: 100, time: 0, into: &j)
        #expect(book.account.position == .flat)
        var spotBook = Orders.spot(quote: 10_000)
        spot.apply(Orders.signal(.buy, close: 100, stopLoss: 95, takeProfit: 110), terms: Orders.terms(), on: &spotBook,
                   close: 100, time: 0, into: &j)
        #expect(spotBook.holdings == 20)
        #expect(spotBook.baseReserved == 20)  // the stop and the take-profit share one reservation
        spot.apply(Orders.signal(.sell, close: 101), terms: Orders.terms(), on: &spotBook, close: 101, time: 0, into: &j)
        #expect(spotBook.holdings == 0)
        #expect(spotBook.orders.isEmpty)
        #expect(near(spotBook.account.quoteFree, 10_020))
    }

    @Test func anInvalidCandleChangesNothing() {
        var book = bracket()
        let before = book
        var j = OrderJournal()
        #expect(spot.match(&book, candle: Orders.bar(60, 100, 99, 94, 100), into: &j) == .invalidCandle)
        #expect(spot.match(&book, candle: Orders.bar(60, .nan, 106, 94, 100), into: &j) == .invalidCandle)
        #expect(book == before)
        #expect(j == OrderJournal())
    }
}
