import Foundation
import GRDB

/// A broker credential as listings show it: never the secret, only a masked public id.
public struct CredentialSummary: Sendable, Equatable {
    public var id: String
    public var broker: String
    public var label: String
    /// The API key's last characters, as `••••WXYZ`.
    public var hint: String
    public var createdAt: Int64
}

extension PlatformDatabase {
    /// Stores a credential already sealed by the caller (AES-GCM in the API layer); the database
    /// never holds it in clear. `publicID` is the id listings and subscriptions use.
    public func storeCredential(userID: Int64, publicID: String, broker: String, label: String, hint: String,
                                sealed: Data) throws(PlatformError) -> CredentialSummary {
        for (field, text) in [("broker", broker), ("label", label), ("hint", hint)] { try Self.requireStorable(text, field: field) }
        return try write { db in
            let now = Self.now()
            try db.execute(sql: """
                INSERT INTO broker_credentials (public_id, user_id, broker, label, hint, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [publicID, userID, broker, label, hint, sealed, now])
            return CredentialSummary(id: publicID, broker: broker, label: label, hint: hint, createdAt: now)
        }
    }

    /// The user's live credentials, newest first.
    public func credentials(userID: Int64) throws(PlatformError) -> [CredentialSummary] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT public_id, broker, label, hint, created_at FROM broker_credentials WHERE user_id = ? AND deleted = 0 ORDER BY id DESC
                """, arguments: [userID]).map { CredentialSummary(id: $0[0], broker: $0[1], label: $0[2], hint: $0[3], createdAt: $0[4]) }
        }
    }

    /// The sealed bytes of one of the user's credentials, for the broker adapter that places
    /// real orders. Strategy code never reaches this: it runs in another process (or interpreter)
    /// with no handle on the database.
    public func sealedCredential(userID: Int64, publicID: String) throws(PlatformError) -> Data? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM broker_credentials WHERE public_id = ? AND user_id = ? AND deleted = 0",
                              arguments: [publicID, userID])
        }
    }

    /// Deletes one of the user's credentials: the sealed bytes are wiped, the row stays so that
    /// subscriptions that named it keep their history.
    public func deleteCredential(userID: Int64, publicID: String) throws(PlatformError) {
        try write { db in
            try db.execute(sql: "UPDATE broker_credentials SET deleted = 1, sealed = X'' WHERE public_id = ? AND user_id = ? AND deleted = 0",
                           arguments: [publicID, userID])
            if db.changesCount == 0 { throw PlatformError(.notFound, "credential \(publicID) not found") }
        }
    }
}
