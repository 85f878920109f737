import Crypto
import Foundation
import GRDB
import Synchronization

/// The executor's keyring: reads a credential's sealed bytes from the database and opens them
/// with the master key (AES-GCM, bound to `"<userID>/<credentialID>"` as the API layer's `Vault`
/// sealed them), in memory. Opened credentials are cached for the process; nothing is written.
public final class SealedKeyring: CredentialKeyring {
    let db: PlatformDatabase
    let key: SymmetricKey
    private let cache = Mutex<[String: ExchangeCredentials]>([:])

    /// - Parameter masterKey: the 32-byte master key (`APISecrets.masterKey`).
    public init(db: PlatformDatabase, masterKey: SymmetricKey) {
        self.db = db
        key = masterKey
    }

    public func credentials(userID: Int64, credentialID: String) async throws(ExchangeError) -> ExchangeCredentials {
        let slot = "\(userID)/\(credentialID)"
        if let hit = cache.withLock({ $0[slot] }) { return hit }
        let row: (broker: String, sealed: Data)?
        do {
            row = try db.liveCredential(userID: userID, credentialID: credentialID)
        } catch {
            throw ExchangeError(.badCredentials, "the credential could not be read (\(error.code.rawValue))")
        }
        guard let (broker, sealed) = row, !sealed.isEmpty else {
            throw ExchangeError(.badCredentials, "the subscription's credential does not exist or was deleted")
        }
        let venue = try ExchangeVenue.parse(broker)
        let opened = try Self.open(sealed, key: key, userID: userID, credentialID: credentialID)
        let creds = try ExchangeCredentials(venue: venue, apiKey: opened.apiKey, secret: opened.apiSecret)
        cache.withLock { $0[slot] = creds }
        return creds
    }

    /// Forgets opened credentials (after a credential is deleted or replaced).
    public func forget() { cache.withLock { $0.removeAll() } }

    /// Opens bytes sealed as `{"apiKey": …, "apiSecret": …}` under `key`, bound to the owner and id.
    ///
    /// - Throws: `ExchangeError.badCredentials` when they do not open or hold no key and secret.
    static func open(_ sealed: Data, key: SymmetricKey, userID: Int64, credentialID: String) throws(ExchangeError)
        -> (apiKey: String, apiSecret: String) {
        do {
            let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key,
                                         authenticating: Data("\(userID)/\(credentialID)".utf8))
            guard let object = try JSONSerialization.jsonObject(with: plain) as? [String: Any],
                  let apiKey = object["apiKey"] as? String, let secret = object["apiSecret"] as? String else {
                throw ExchangeError(.badCredentials, "the credential holds no API key and secret")
            }
            return (apiKey, secret)
        } catch let e as ExchangeError {
            throw e
        } catch {
            throw ExchangeError(.badCredentials, "the credential does not open with this master key")
        }
    }
}

extension PlatformDatabase {
    /// The broker name and sealed bytes of one of the user's credentials that is not deleted.
    func liveCredential(userID: Int64, credentialID: String) throws(PlatformError) -> (broker: String, sealed: Data)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT broker, sealed FROM broker_credentials WHERE public_id = ? AND user_id = ? AND deleted = 0",
                             arguments: [credentialID, userID]).map { ($0[0], $0[1]) }
        }
    }
}
