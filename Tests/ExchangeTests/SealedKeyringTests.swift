import Crypto
import Foundation
import Platform
import Testing

@Suite struct SealedKeyringTests {
    /// Seals as the API's Vault does (AES-GCM bound to "<user>/<credential>") and opens in the executor's keyring.
    @Test func opensOnlyTheOwnersCredentialInMemory() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try PlatformDatabase(path: dir.appendingPathComponent("t.sqlite").path)
        let user = try db.createUser(name: "alice")
        let other = try db.createUser(name: "bob")
        let master = SymmetricKey(size: .bits256)
        let plain = try JSONSerialization.data(withJSONObject: ["apiKey": "LIVEKEY123456", "apiSecret": "LIVESECRET"])
        let sealed = try AES.GCM.seal(plain, using: master, authenticating: Data("\(user)/cred_a".utf8)).combined!
        _ = try db.storeCredential(userID: user, publicID: "cred_a", broker: "binance-usdm", label: "x", hint: "••••3456", sealed: sealed)
        let keyring = SealedKeyring(db: db, masterKey: master)
        let c = try await keyring.credentials(userID: user, credentialID: "cred_a")
        #expect(c.venue == .binanceUSDM && c.apiKey == "LIVEKEY123456")
        #expect(!"\(c)".contains("LIVE"))
        for (u, id, key) in [(other, "cred_a", master), (user, "cred_b", master), (user, "cred_a", SymmetricKey(size: .bits256))] {
            let k = key == master ? keyring : SealedKeyring(db: db, masterKey: key)
            do {
                _ = try await k.credentials(userID: u, credentialID: id)
                Issue.record("opened \(id) for user \(u)")
            } catch {
                #expect(error.code == .badCredentials && !error.description.contains("LIVE"))
            }
        }
        try db.deleteCredential(userID: user, publicID: "cred_a")
        keyring.forget()
        await #expect(throws: ExchangeError.self) { try await keyring.credentials(userID: user, credentialID: "cred_a") }
    }
}
