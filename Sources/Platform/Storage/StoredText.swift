extension PlatformDatabase {
    /// Refuses text that would not be stored as given: SQLite takes bound text up to its first NUL
    /// byte, so everything after one was silently dropped (an email `eve\u{0}@x` became `eve`).
    ///
    /// - Throws: `PlatformError.invalidInput` naming `field`.
    static func requireStorable(_ value: String, field: String) throws(PlatformError) {
        if value.utf8.contains(0) { throw PlatformError(.invalidInput, "\(field) must not contain a NUL byte", field: field) }
    }
}
