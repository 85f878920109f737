import Crypto
import Foundation

/// An API key and its secret, opened in memory for one subscription's orders.
///
/// It never prints: `description`, `debugDescription` and `dump` show the venue and the key's
/// last characters only. The secret is held as an HMAC key, never as a `String`.
public struct ExchangeCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let venue: ExchangeVenue
    /// Sent in a header (`X-MBX-APIKEY`, `X-AUTH-APIKEY`); not secret, but kept out of logs too.
    public let apiKey: String
    let secret: SymmetricKey
    /// A short stable id of the key (SHA-256 prefix), for per-key budgets and logs.
    public let keyID: String

    /// - Throws: `ExchangeError.badCredentials` when the key or secret is empty, longer than
    ///   512 / 4096 bytes, or holds characters a header cannot carry.
    public init(venue: ExchangeVenue, apiKey: String, secret: String) throws(ExchangeError) {
        guard !apiKey.isEmpty, apiKey.utf8.count <= 512, !secret.isEmpty, secret.utf8.count <= 4096,
              apiKey.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw ExchangeError(.badCredentials, "the credential's API key or secret is empty, too long or not printable ASCII")
        }
        self.venue = venue
        self.apiKey = apiKey
        self.secret = SymmetricKey(data: Data(secret.utf8))
        keyID = SHA256.hash(data: Data(apiKey.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    public var description: String { "ExchangeCredentials(\(venue.rawValue), key \(keyID))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["venue": venue.rawValue, "keyID": keyID]) }
}

/// Opens a subscription's sealed credential, only inside the executor and only in memory.
public protocol CredentialKeyring: Sendable {
    /// The credential `credentialID` of `userID`, opened.
    ///
    /// - Throws: `ExchangeError.badCredentials` when it is missing, deleted, does not open, or
    ///   names no live exchange.
    func credentials(userID: Int64, credentialID: String) async throws(ExchangeError) -> ExchangeCredentials
}
