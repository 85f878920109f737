import Foundation
import GRDB

/// A user as the API shows it.
public struct StoredUser: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var email: String?
    public var createdAt: Int64
}

extension PlatformDatabase {
    /// Creates an account that logs in with an email and a password hash (hashed by the caller).
    ///
    /// - Throws: `invalidInput` for a malformed email or name, `conflict` when the email or the
    ///   name is taken.
    public func registerUser(email: String, name: String?, passwordHash: String) throws(PlatformError) -> StoredUser {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard Self.looksLikeEmail(email) else { throw PlatformError(.invalidInput, "email: not an email address", field: "email") }
        let name = (name ?? email).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 64 else { throw PlatformError(.invalidInput, "name must be 1–64 characters", field: "name") }
        try Self.requireStorable(email, field: "email")
        try Self.requireStorable(name, field: "name")
        return try write { db in
            if try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE email = ?", arguments: [email]) != nil {
                throw PlatformError(.conflict, "email '\(email)' is already registered", field: "email")
            }
            if try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE name = ?", arguments: [name]) != nil {
                throw PlatformError(.conflict, "name '\(name)' is taken", field: "name")
            }
            let now = Self.now()
            try db.execute(sql: "INSERT INTO users (name, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [name, email, passwordHash, now])
            return StoredUser(id: db.lastInsertedRowID, name: name, email: email, createdAt: now)
        }
    }

    /// The account behind an email and its password hash, for logging in.
    public func login(email: String) throws(PlatformError) -> (user: StoredUser, passwordHash: String)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ? AND password_hash IS NOT NULL",
                             arguments: [email.trimmingCharacters(in: .whitespaces).lowercased()])
                .map { (Self.user($0), $0["password_hash"]) }
        }
    }

    public func user(id: Int64) throws(PlatformError) -> StoredUser? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user) }
    }

    static func user(_ row: Row) -> StoredUser {
        StoredUser(id: row["id"], name: row["name"], email: row["email"], createdAt: row["created_at"])
    }

    static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return s.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !s.contains(where: \.isWhitespace)
    }
}
