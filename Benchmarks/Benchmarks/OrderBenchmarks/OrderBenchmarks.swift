import Benchmark
import Platform
import StrategyRuntime

/// The paper exchange's hot paths at fan-out scale: 10,000 subscriber books.
///
/// `@unchecked Sendable`: written only by `setUp`, which the runner finishes before the measured
/// closures start; read-only afterwards.
final class OrderFixture: @unchecked Sendable {
    static let subscribers = 10_000
    var exchange: PaperExchange?
    /// Each with 10 resting limit orders (5 buys 95…99, 5 sells 101…105), placed at time 0.
    var books: [AccountBook] = []
    var empty: [AccountBook] = []
    var intents: [OrderIntent] = []

    func setUp() throws {
        guard exchange == nil else { return }
        let rules = try MarketRules(market: .spot, tickSize: 0.01, lotStep: 0.0001, minNotional: 5)
        let ex = try PaperExchange(rules: rules, slippageBps: 5)
        intents = (0..<5).map { .place(.limit(.buy, .quantity(1), at: Double(95 + $0), tag: OrderTag("b\($0)")!)) }
            + (0..<5).map { .place(.limit(.sell, .quantity(1), at: Double(101 + $0), tag: OrderTag("s\($0)")!)) }
        var journal = OrderJournal()
        for i in 0..<Self.subscribers {
            let capital = 1_000 + Double(i % 100) * 100
            var book = AccountBook(account: try Account.spot(quote: capital, base: capital / 100, basePrice: 100))
            empty.append(book)
            ex.place(intents, scaledBy: capital / 10_000, on: &book, close: 100, time: 0, into: &journal)
            books.append(book)
        }
        exchange = ex
    }
}

let fixture = OrderFixture()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 200
    )

    // One candle that reaches none of the 10 orders, against 10,000 books (matched in place).
    Benchmark("match-quiet-10000x10", closure: { benchmark in
        let ex = fixture.exchange!
        var books = fixture.books
        var journal = OrderJournal()
        benchmark.startMeasurement()
        for i in books.indices {
            ex.match(&books[i], candle: Bar(time: 60, open: 100, high: 100.5, low: 99.5, close: 100.2), into: &journal)
        }
        benchmark.stopMeasurement()
        blackHole(journal)
    }, setup: { try fixture.setUp() })

    // One candle that fills 2 of the 10 orders (buys at 99 and 98) in each of 10,000 books.
    Benchmark("match-fills-10000x10", closure: { benchmark in
        let ex = fixture.exchange!
        var books = fixture.books
        for i in books.indices { books[i].orders.reserveCapacity(10) }  // unshare outside the measurement
        var journal = OrderJournal()
        journal.fills.reserveCapacity(20_000)
        journal.transitions.reserveCapacity(20_000)
        journal.closed.reserveCapacity(20_000)
        benchmark.startMeasurement()
        for i in books.indices {
            ex.match(&books[i], candle: Bar(time: 60, open: 100, high: 100.5, low: 97.5, close: 99), into: &journal)
        }
        benchmark.stopMeasurement()
        precondition(journal.fills.count == 20_000)
        blackHole(journal)
    }, setup: { try fixture.setUp() })

    // One execution's 10 limit intents mirrored into 10,000 empty books, scaled by capital.
    Benchmark("mirror-10-intents-10000", closure: { benchmark in
        let ex = fixture.exchange!
        var books = fixture.empty
        var journal = OrderJournal()
        journal.transitions.reserveCapacity(100_000)
        benchmark.startMeasurement()
        for i in books.indices {
            let capital = 1_000 + Double(i % 100) * 100
            ex.place(fixture.intents, scaledBy: capital / 10_000, on: &books[i], close: 100, time: 60, into: &journal)
        }
        benchmark.stopMeasurement()
        blackHole(journal)
    }, setup: { try fixture.setUp() })
}
