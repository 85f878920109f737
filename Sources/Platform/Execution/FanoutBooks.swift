import Synchronization

/// Each (strategy, symbol)'s fan-out inputs as this process left them at its last commit: the
/// active subscribers, their terms and their open positions after that commit.
///
/// A commit uses a book only when the pair's generation in the database (`fanout_books`) is the
/// one the book was left at. Every commit of the pair moves the generation on, and so does every
/// change to the strategy's subscriptions (triggers on `subscriptions`), so a commit by another
/// process, a new subscriber, a pause or a cancel makes the next commit read the tables again.
///
/// The books hold at most `capacity` subscribers in all (about 100 bytes each): past it, the
/// least recently used books are dropped until 90 % of it is left. A dropped book only costs its
/// pair's next commit a read of the tables.
final class FanoutBooks: Sendable {
    struct Key: Hashable, Sendable {
        let strategyID: Int64
        let symbol: String
    }

    private struct Book {
        let generation: Int64
        let subscribers: [FanoutSubscriber]
        var used: UInt64
    }

    private struct State {
        var books: [Key: Book] = [:]
        var held = 0
        var tick: UInt64 = 0
        var hits = 0, misses = 0, evictions = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 1_000_000) { self.capacity = capacity }

    /// How often a commit found its book current, how often it read the tables, and how many
    /// books were dropped for room.
    var usage: (hits: Int, misses: Int, evictions: Int) { state.withLock { ($0.hits, $0.misses, $0.evictions) } }

    /// Subscribers held over all books.
    var held: Int { state.withLock { $0.held } }

    /// The book left at `generation`, if this process has it.
    func subscribers(_ key: Key, at generation: Int64) -> [FanoutSubscriber]? {
        state.withLock { s in
            guard let book = s.books[key], book.generation == generation else {
                s.misses += 1
                return nil
            }
            s.hits += 1
            s.tick += 1
            s.books[key]?.used = s.tick
            return book.subscribers
        }
    }

    /// Keeps the book a commit left, unless a later one is kept already.
    func keep(_ key: Key, at generation: Int64, _ subscribers: [FanoutSubscriber]) {
        state.withLock { s in
            let old = s.books[key]
            guard (old?.generation ?? .min) < generation else { return }
            s.tick += 1
            s.books[key] = Book(generation: generation, subscribers: subscribers, used: s.tick)
            s.held += subscribers.count - (old?.subscribers.count ?? 0)
            if s.held > capacity { evict(&s) }
        }
    }

    /// Drops the least recently used books until at most 90 % of `capacity` is held.
    private func evict(_ s: inout State) {
        let target = capacity / 10 * 9
        for (key, book) in s.books.sorted(by: { $0.value.used < $1.value.used }) where s.held > target {
            s.books[key] = nil
            s.held -= book.subscribers.count
            s.evictions += 1
        }
    }
}
