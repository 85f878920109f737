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
    /// Whether a user id still names an account; a token for one that does not is refused.
    let userExists: @Sendable (Int64) throws -> Bool

    /// - Parameter userExists: tells whether the user a valid token names still exists (the API
    ///   asks its database); a token of a user that does not is answered like a bad token.
    public init(secret: [UInt8], lifetime: Duration = .seconds(24 * 3600),
                userExists: @escaping @Sendable (Int64) throws -> Bool = { _ in true }) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
        self.userExists = userExists
    }

    func issue(userID: Int64) async throws -> String {
        let now = Date()
        let claims = SessionClaims(sub: SubjectClaim(value: String(userID)),
                                   exp: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime.components.seconds))),
                                   iat: IssuedAtClaim(value: now))
        return try await keys.sign(claims)
    }

    /// The user of the request's bearer token: every authenticated route starts here, so this is
    /// the one place that checks the user still exists.
    ///
    /// - Throws: `Problem` 401 without a token, for a malformed, forged or expired one, or for
    ///   one whose user no longer exists.
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
        guard try userExists(id) else { throw Problem.unauthorized("the token's user no longer exists") }
        return id
    }
}
