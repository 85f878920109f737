import GRDB

extension PlatformDatabase {
    /// A write transaction awaited, not waited for: GRDB runs `body` (and SQLite's busy wait) on
    /// its writer queue while the calling task is suspended, so no cooperative thread blocks.
    func writeAsync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(PlatformError) -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw Self.platformError(error)
        }
    }

    /// A read awaited on one of GRDB's reader queues; see `read` for why it is `unsafeRead`.
    func readAsync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(PlatformError) -> T {
        do {
            return try await writer.unsafeRead(body)
        } catch {
            throw Self.platformError(error)
        }
    }
}
