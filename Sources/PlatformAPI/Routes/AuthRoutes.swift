import Dispatch
import Hummingbird
import HummingbirdBcrypt
import Platform

extension PlatformAPI {
    var authEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/auth/register", "Create an account; returns the user and a session token", tag: "auth", auth: false,
                     body: "Register", responses: [201: "Auth", 409: "Problem", 422: "Problem", 429: "Problem"]) { req, ctx in
                try self.authLimiter.admit(ctx.clientAddress)
                let body = try await Input.body(RegisterBody.self, req, ctx).validated()
                let hash = await Self.offloaded { [cost = self.options.bcryptCost] in Bcrypt.hash(body.password, cost: cost) }
                let user = try self.db.registerUser(email: body.email, name: body.name, passwordHash: hash)
                return try JSONBody.response(try await self.session(user), status: .created)
            },
            Endpoint(.post, "/auth/login", "Log in with email and password; returns the user and a session token", tag: "auth",
                     auth: false, body: "Login", responses: [200: "Auth", 401: "Problem", 422: "Problem", 429: "Problem"]) { req, ctx in
                try self.authLimiter.admit(ctx.clientAddress)
                let body = try await Input.body(LoginBody.self, req, ctx)
                let found = try self.db.login(email: body.email)
                // Hash even for an unknown email, so timing does not tell which emails exist.
                let ok = await Self.offloaded { [dummy = self.dummyHash] in
                    Bcrypt.verify(body.password, hash: found?.passwordHash ?? dummy)
                }
                guard ok, let user = found?.user else { throw Problem.unauthorized("wrong email or password") }
                return try JSONBody.response(try await self.session(user))
            },
            Endpoint(.get, "/auth/me", "The calling user", tag: "auth", auth: true, responses: [200: "User", 401: "Problem"]) { req, _ in
                let id = try await self.tokens.user(req)
                guard let user = try self.db.user(id: id) else { throw Problem.unauthorized("the token's user no longer exists") }
                return try JSONBody.response(UserView(user))
            },
        ]
    }

    func session(_ user: StoredUser) async throws -> AuthView {
        AuthView(user: UserView(user), token: try await tokens.issue(userID: user.id), expiresIn: tokens.lifetime.components.seconds)
    }

    /// Runs CPU-heavy work (bcrypt) off Swift's cooperative pool.
    static func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: work()) } }
    }
}
