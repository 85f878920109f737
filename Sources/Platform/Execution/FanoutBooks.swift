import Synchronization

/// Each (strategy, symbol)'s fan-out inputs as this process left them at its last commit: the
/// active subscribers, their terms and their open positions after that commit.
///
/// A commit uses a book only when the pair's generation in the database (`fanout_books`) is the
/// one the book was left at. Every commit of the pair moves the generation on, and so does every
/// change to the strategy's subscriptions (triggers on `subscriptions`), so a commit by another
/// process, a new subscriber, a pause or a cancel makes the next commit read the tables again.
final class FanoutBooks: Sendable {
    struct Key: Hashable, Sendable {
        let strategyID: Int64
        let symbol: String
    }

    private struct Book {
        let generation: Int64
        let subscribers: [FanoutInputs.Subscriber]
    }

    private struct State {
        var books: [Key: Book] = [:]
        var hits = 0, misses = 0
    }

    private let state = Mutex(State())

    /// How often a commit found its book current, and how often it read the tables.
    var usage: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }

    /// The book left at `generation`, if this process has it.
    func subscribers(_ key: Key, at generation: Int64) -> [FanoutInputs.Subscriber]? {
        state.withLock { s in
            let found = s.books[key].flatMap { $0.generation == generation ? $0.subscribers : nil }
            if found == nil { s.misses += 1 } else { s.hits += 1 }
            return found
        }
    }

    /// Keeps the book a commit left, unless a later one is kept already.
    func keep(_ key: Key, at generation: Int64, _ subscribers: [FanoutInputs.Subscriber]) {
        state.withLock { s in
            if (s.books[key]?.generation ?? .min) < generation { s.books[key] = Book(generation: generation, subscribers: subscribers) }
        }
    }
}
