import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Who is asking for a page, and the cookies that say so.
///
/// The session is the API's own HS256 token, kept in an HttpOnly, SameSite=Strict cookie, so page
/// scripts never hold it and no other site's request carries it. Unsafe methods also need a
/// double-submit token (a second cookie repeated in the form) and a same-origin `Origin` /
/// `Sec-Fetch-Site`; see README "Dashboard".
struct PageSession: Sendable {
    static let sessionCookie = "tradectl_session"
    static let csrfCookie = "tradectl_csrf"
    static let csrfField = "_csrf"

    /// The signed-in user, if the session cookie holds a valid token.
    var user: Int64?
    /// The raw token (for calls through the API).
    var token: String?
    /// The double-submit token: the cookie's, or a new one this response sets.
    var csrf: String
    /// True when `csrf` is new and must be set as a cookie.
    var newCSRF: Bool

    var signedIn: Bool { user != nil }

    static func read(_ request: Request, tokens: TokenIssuer) async -> PageSession {
        let cookies = request.cookies
        var user: Int64?
        var token: String?
        if let value = cookies[sessionCookie]?.value, !value.isEmpty,
           let id = try? await tokens.user(authorization: "Bearer " + value) {
            user = id
            token = value
        }
        if let csrf = cookies[csrfCookie]?.value, csrf.count >= 32, csrf.count <= 64 {
            return PageSession(user: user, token: token, csrf: csrf, newCSRF: false)
        }
        return PageSession(user: user, token: token, csrf: PlatformAPI.randomToken(bytes: 32), newCSRF: true)
    }

    /// Checks a form post: same origin, and the form's token equals the cookie's.
    ///
    /// - Throws: `Problem` 403 (`csrf`) naming what failed.
    static func checkUnsafe(_ request: Request, form: FormData) throws {
        if let site = request.headers[.secFetchSite], site != "same-origin", site != "none" {
            throw Problem(.forbidden, "this form was sent from another site (Sec-Fetch-Site: \(site))", code: "csrf")
        }
        if let origin = request.headers[.origin] {
            let host = request.head.authority ?? ""
            guard origin == "http://" + host || origin == "https://" + host else {
                throw Problem(.forbidden, "this form was sent from another origin (\(origin))", code: "csrf")
            }
        }
        guard let cookie = request.cookies[csrfCookie]?.value, let sent = form[csrfField],
              cookie.count >= 32, Self.constantTimeEqual(cookie, sent) else {
            throw Problem(.forbidden, "the form's security token is missing or out of date; reload the page and try again", code: "csrf")
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    static func sessionCookie(_ token: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: sessionCookie, value: token, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    static func clearedSession(secure: Bool) -> Cookie {
        Cookie(name: sessionCookie, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func csrfCookie(secure: Bool) -> Cookie {
        Cookie(name: Self.csrfCookie, value: csrf, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
