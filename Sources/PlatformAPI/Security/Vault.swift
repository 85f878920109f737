import Crypto
import Foundation

/// Seals broker credentials with AES-GCM under the master key. The key comes from
/// `TRADECTL_MASTER_KEY` (base64, 32 bytes), the file `TRADECTL_MASTER_KEY_FILE`, or a key file
/// created once (mode 0600) beside the database.
public struct Vault: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// Seals `plaintext`, binding it to its owner and id so a sealed blob moved to another row
    /// does not open.
    func seal(_ plaintext: Data, userID: Int64, publicID: String) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key, authenticating: Data("\(userID)/\(publicID)".utf8)).combined else {
            throw Problem(.internalServerError, "sealing failed")
        }
        return combined
    }

    func open(_ sealed: Data, userID: Int64, publicID: String) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data("\(userID)/\(publicID)".utf8))
    }
}

/// The API's keys: the JWT signing secret and the master key.
public struct APISecrets: Sendable {
    public var jwtSecret: [UInt8]
    public var masterKey: SymmetricKey

    public init(jwtSecret: [UInt8], masterKey: SymmetricKey) {
        self.jwtSecret = jwtSecret
        self.masterKey = masterKey
    }

    /// Reads the keys from the environment, or from (creating once) key files in `directory`.
    public static func load(directory: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APISecrets {
        let master = try key(env: "TRADECTL_MASTER_KEY", fileEnv: "TRADECTL_MASTER_KEY_FILE",
                             default: directory + "/master.key", environment: environment)
        let jwt = try key(env: "TRADECTL_JWT_SECRET", fileEnv: "TRADECTL_JWT_SECRET_FILE",
                          default: directory + "/jwt.key", environment: environment)
        return APISecrets(jwtSecret: jwt, masterKey: SymmetricKey(data: master))
    }

    private static func key(env: String, fileEnv: String, default path: String, environment: [String: String]) throws -> [UInt8] {
        if let text = environment[env] {
            guard let data = Data(base64Encoded: text), data.count == 32 else { throw KeyError("\(env) must be 32 bytes in base64") }
            return [UInt8](data)
        }
        let file = environment[fileEnv] ?? path
        if let data = FileManager.default.contents(atPath: file) {
            guard let decoded = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  decoded.count == 32 else { throw KeyError("\(file) must hold 32 bytes in base64") }
            return [UInt8](decoded)
        }
        guard environment[fileEnv] == nil else { throw KeyError("cannot read \(file)") }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file, contents: Data(fresh.base64EncodedString().utf8),
                                             attributes: [.posixPermissions: 0o600]) else { throw KeyError("cannot create \(file)") }
        return [UInt8](fresh)
    }

    public struct KeyError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }
}
