import Foundation
import Hummingbird
import JWTKit

/// What a session token says: the user and when it expires.
struct SessionClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and checks HS256 session tokens.
public struct TokenIssuer: Sendable {
    let keys: JWTKeyCollection
    public let lifetime: Duration

    public init(secret: [UInt8], lifetime: Duration = .seconds(24 * 3600)) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    func issue(userID: Int64) async throws -> String {
        let now = Date()
        let claims = SessionClaims(sub: SubjectClaim(value: String(userID)),
                                   exp: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime.components.seconds))),
                                   iat: IssuedAtClaim(value: now))
        return try await keys.sign(claims)
    }

    /// The user of the request's bearer token.
    ///
    /// - Throws: `Problem` 401 without a token, or for a malformed, forged or expired one.
    func user(_ request: Request) async throws -> Int64 {
        try await user(authorization: request.headers[.authorization])
    }

    func user(authorization: String?) async throws -> Int64 {
        guard let header = authorization else { throw Problem.unauthorized("this endpoint needs 'Authorization: Bearer <token>'") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].count < 4096 else {
            throw Problem.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let claims: SessionClaims
        do {
            claims = try await keys.verify(String(parts[1]), as: SessionClaims.self)
        } catch {
            throw Problem.unauthorized("the token is invalid or expired")
        }
        guard let id = Int64(claims.sub.value) else { throw Problem.unauthorized("the token names no user") }
        return id
    }
}
