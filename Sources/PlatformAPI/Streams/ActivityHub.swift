import Foundation
import Metrics
import Platform
import Synchronization

/// The one poller behind every event stream of this process: while any stream is open it reads
/// everyone's new signals, orders and fills once per poll (three indexed range reads, plus one read
/// of who follows the strategies that signalled) and hands each stream its user's share, so an open
/// stream costs no database work of its own. Caps streams per user and in all.
final class ActivityHub: Sendable {
    /// The newest ids delivered: signals, orders and fills each have their own.
    typealias Cursor = (signal: Int64, order: Int64, fill: Int64)
    /// One user's share of a poll.
    typealias Batch = (signals: [SignalEntry], orders: [OrderEntry], fills: [FillEntry])

    /// What a stream receives: first where the hub's delivery starts (everything with a larger id
    /// comes through the hub; what came before is the stream's to read from the database), then
    /// once per poll its user's new activity, or a tick (for heartbeats and the stream's end).
    enum Message: Sendable {
        case start(Cursor)
        case activity(Batch)
        case tick
    }

    /// Why a stream was refused.
    enum Refusal: Error {
        case perUser(Int), total(Int)
    }

    private struct Registration {
        let user: Int64
        let continuation: AsyncStream<Message>.Continuation
        /// Told where delivery starts (`.start`): set at the first dispatch after it opened, so
        /// a stream opened while a poll was being read never misses that poll's activity.
        var started = false
    }

    private struct State {
        var streams: [UInt64: Registration] = [:]
        var perUser: [Int64: Int] = [:]
        var nextID: UInt64 = 0
        /// Everything with a larger id is still to be dispatched.
        var cursor: Cursor?
        var polling = false
    }

    let db: PlatformDatabase
    let poll: Duration
    let perUserLimit: Int
    let totalLimit: Int
    private let state = Mutex(State())
    private let pollCount = Atomic<Int>(0)
    /// Open streams, and streams refused (swift-metrics, exported at /metrics).
    private let openGauge: Gauge
    private let refusedCounter: Counter

    init(db: PlatformDatabase, poll: Duration, perUser: Int, total: Int, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.db = db
        self.poll = poll
        self.perUserLimit = perUser
        self.totalLimit = total
        openGauge = Gauge(label: "tradectl_api_event_streams_open", factory: metrics)
        refusedCounter = Counter(label: "tradectl_api_event_streams_refused_total", factory: metrics)
    }

    /// Database polls made so far (tests: one per poll interval, however many streams are open).
    var polls: Int { pollCount.load(ordering: .relaxed) }

    var openStreams: Int { state.withLock { $0.streams.count } }

    /// An open stream and its messages. Finishing it (or dropping it) frees its place.
    final class Ticket: Sendable {
        let messages: AsyncStream<Message>
        private let close: @Sendable () -> Void

        init(messages: AsyncStream<Message>, close: @escaping @Sendable () -> Void) {
            self.messages = messages
            self.close = close
        }

        /// Frees the stream's place (also done when the ticket goes away).
        func finish() { close() }

        deinit { close() }
    }

    /// Opens a stream for `user`.
    ///
    /// - Throws: `Refusal` when the user or the process is at its limit.
    func open(user: Int64) throws(Refusal) -> Ticket {
        // Small messages, a few per poll: a stream that falls this far behind is closed (the
        // client reconnects with `after=`) rather than held in memory.
        let (messages, continuation) = AsyncStream.makeStream(of: Message.self, bufferingPolicy: .bufferingOldest(256))
        let opened: (id: UInt64, startPoller: Bool, open: Int)
        do {
            opened = try state.withLock { s throws(Refusal) -> (UInt64, Bool, Int) in
                if (s.perUser[user] ?? 0) >= perUserLimit { throw Refusal.perUser(perUserLimit) }
                if s.streams.count >= totalLimit { throw Refusal.total(totalLimit) }
                s.nextID += 1
                s.streams[s.nextID] = Registration(user: user, continuation: continuation)
                s.perUser[user, default: 0] += 1
                defer { s.polling = true }
                return (s.nextID, !s.polling, s.streams.count)
            }
        } catch {
            refusedCounter.increment()
            throw error
        }
        openGauge.record(opened.open)
        let (id, startPoller) = (opened.id, opened.startPoller)
        if startPoller { Task { await self.run() } }
        return Ticket(messages: messages) { [weak self] in self?.close(id) }
    }

    private func close(_ id: UInt64) {
        let (registration, open) = state.withLock { s -> (Registration?, Int) in
            guard let r = s.streams.removeValue(forKey: id) else { return (nil, s.streams.count) }
            s.perUser[r.user, default: 1] -= 1
            if s.perUser[r.user] == 0 { s.perUser[r.user] = nil }
            return (r, s.streams.count)
        }
        guard let registration else { return }
        openGauge.record(open)
        registration.continuation.finish()
    }

    /// Polls while streams are open, then stops (the next stream starts it again).
    private func run() async {
        while true {
            let (cursor, users) = state.withLock { s -> (Cursor?, Set<Int64>) in
                if s.streams.isEmpty {
                    s.polling = false
                    s.cursor = nil  // a later stream starts from the newest ids again
                }
                return (s.cursor, Set(s.perUser.keys))
            }
            guard !users.isEmpty else { return }
            pollCount.add(1, ordering: .relaxed)
            // A database that does not answer moves nothing on; the next poll tries again.
            guard let polled = try? read(after: cursor, for: users) else {
                try? await Task.sleep(for: poll)
                continue
            }
            let (next, byUser) = polled
            let stalled = state.withLock { s -> [UInt64] in
                s.cursor = next
                var stalled: [UInt64] = []
                for (id, r) in s.streams {
                    let message: Message
                    if !r.started {
                        message = .start(next)
                        s.streams[id]?.started = true
                    } else {
                        message = byUser[r.user].map { .activity($0) } ?? .tick
                    }
                    if case .dropped = r.continuation.yield(message), !message.isTick { stalled.append(id) }
                }
                return stalled
            }
            for id in stalled { close(id) }
            try? await Task.sleep(for: poll)
        }
    }

    /// Everyone's activity after `cursor`, by user; the cursor after it. Without a cursor (the
    /// first poll): the newest ids, and nothing to deliver.
    private func read(after cursor: Cursor?, for users: Set<Int64>) throws(PlatformError) -> (Cursor, [Int64: Batch]) {
        guard var next = cursor else {
            let newest = try db.activityCursors()
            return ((newest.signal, newest.order, try db.fillCursor()), [:])
        }
        var byUser: [Int64: Batch] = [:]
        let new = try db.activity(afterSignal: next.signal, afterOrder: next.order)
        if !new.signals.isEmpty {
            var byStrategy: [Int64: [Int64]] = [:]
            for f in try db.followers(of: Set(new.signals.map(\.strategyId)), among: users) { byStrategy[f.strategy, default: []].append(f.user) }
            for signal in new.signals {
                for user in byStrategy[signal.strategyId] ?? [] { byUser[user, default: ([], [], [])].signals.append(signal) }
            }
            next.signal = new.signals.last?.id ?? next.signal
        }
        for (user, order) in new.orders where users.contains(user) { byUser[user, default: ([], [], [])].orders.append(order) }
        next.order = new.orders.last?.order.id ?? next.order
        let fills = try db.fills(after: next.fill)
        for (user, fill) in fills where users.contains(user) { byUser[user, default: ([], [], [])].fills.append(fill) }
        next.fill = fills.last?.fill.id ?? next.fill
        return (next, byUser)
    }
}

extension ActivityHub.Message {
    var isTick: Bool { if case .tick = self { true } else { false } }
}
