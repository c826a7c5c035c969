import Audit
import Directory
import Hummingbird
import Logging
import PasswordSync
import SCIM

/// Turns every failure into a SCIM error body in the client's dialect, including the router's own
/// 404/405 and body-size errors; nothing else (no stack, no raw directory text) reaches the client.
struct SCIMErrorMiddleware: RouterMiddleware {
    typealias Context = SCIMRequestContext
    let mapping: SCIMErrorMapping

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let version: SCIMVersion = request.uri.path.hasPrefix("/scim/v1") ? .v1 : .v2
        do {
            var response = try await next(request, context)
            response.headers[.init("X-Request-Id")!] = context.requestID
            return response
        } catch let e as SCIMError {
            return Responses.error(e, version, requestID: context.requestID)
        } catch let e as SyncError {
            return Responses.error(mapping.scimError(e), version, requestID: context.requestID)
        } catch let e as HTTPError {
            let detail: String
            switch e.status.code {
            case 404: detail = "No such endpoint: \(request.method) \(request.uri.path). pwsync serves /scim/v2 (SCIM 2.0) and /scim/v1 (SCIM 1.1): /Users, /Groups, /ServiceProviderConfig, /ResourceTypes, /Schemas."
            case 405: detail = "\(request.method) is not allowed on \(request.uri.path)."
            case 413: detail = "The request body is larger than pwsync accepts."
            default: detail = e.status.reasonPhrase
            }
            return Responses.error(SCIMError(status: e.status.code, detail: detail), version, requestID: context.requestID)
        } catch {
            context.logger.error("unhandled error", metadata: ["request_id": "\(context.requestID)", "error_type": "\(type(of: error))"])
            return Responses.error(SCIMError(status: 500, detail: "Internal error; see pwsync's log for request id \(context.requestID)."), version, requestID: context.requestID)
        }
    }
}

/// Requires a valid credential on everything under /scim. A valid credential is always served,
/// whatever its address sent before: Okta's addresses are shared by every Okta tenant, so a
/// stranger's failures there must not lock this Okta out. Failures are counted per client address:
/// past the limit they are answered 429 (slowed) rather than 401, and audited through a summarizer
/// (the first per address and interval, then a count), so no one can flood the log or the
/// journal; the connection is closed after each refusal.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SCIMRequestContext
    let credentials: CredentialStore
    let throttle: AuthThrottle
    let failures: AuditSummarizer
    let retryAfter: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authenticator = credentials.authenticator
        if let principal = authenticator.authenticate(authorization: request.headers[.authorization]) {
            var context = context
            context.principal = principal
            return try await next(request, context)
        }
        let client = context.client ?? "?"
        let event = AuditEvent(.authFailed, requestID: context.requestID, client: client,
                               operation: "\(request.method) \(request.uri.path)")
        if throttle.isThrottled(client) {
            throttle.fail(client)
            await failures.record(event.decided(.authFailed(.authThrottled)), key: "auth:\(client)")
            var e = SCIMError(status: 429, detail: "Too many failed authentications from this address; try again later.", retryAfter: retryAfter)
            e.closeConnection = true
            throw e
        }
        throttle.fail(client)
        let reason: AuditEvent.Reason = request.headers[.authorization] == nil ? .missingCredentials : .invalidCredentials
        if await failures.record(event.decided(.authFailed(reason)), key: "auth:\(client)") {
            context.logger.notice("authentication failed", metadata: ["request_id": "\(context.requestID)", "client": "\(client)"])
        }
        var e = SCIMError.unauthorized
        e.wwwAuthenticate = authenticator.acceptsBasic ? "Bearer realm=\"pwsync\", Basic realm=\"pwsync\"" : "Bearer realm=\"pwsync\""
        e.closeConnection = true
        throw e
    }
}

/// Gives each request its deadline for starting directory steps (see `RequestDeadline`).
struct DeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    let budget: Duration
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await RequestDeadline.$startBy.withValue(.now + budget) { try await next(request, context) }
    }
}

/// Applies `[server] max_body_bytes` to every request, through Hummingbird's own upload limit.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = SCIMRequestContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = maxBytes
        return try await next(request, context)
    }
}
