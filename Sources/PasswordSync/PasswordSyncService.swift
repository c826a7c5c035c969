import Audit
import Directory
import Foundation
import Logging
import SCIM
import Secrets

/// The use-cases behind the SCIM endpoints. Depends only on the `Directory` and `AuditSink`
/// protocols, so it is tested with in-memory fakes; errors come out as `SCIMError`s ready to send.
public final class PasswordSyncService: Sendable {
    let directory: any Directory
    let audit: any AuditSink
    let logger: Logger
    let locks = UserLocks()
    /// Seconds Okta should wait after a 429 (it doubles the wait on each retry by itself).
    public let retryAfter: Int

    public init(directory: any Directory, audit: any AuditSink, retryAfter: Int = 30,
                logger: Logger = Logger(label: "pwsync.sync")) {
        self.directory = directory
        self.audit = audit
        self.retryAfter = retryAfter
        self.logger = logger
    }

    // MARK: Reads

    public func listUsers(filter: String?, page: Pagination) async throws(SCIMError) -> ListResponse {
        let query = try filter.map { f throws(SCIMError) in try FilterMapping.userFilter(SCIMFilter.parse(f)) }
        let users = try await directoryCall { () async throws(DirectoryFailure) in try await directory.findUsers(query) }
        return ListResponse(totalResults: users.count, startIndex: page.startIndex,
                            resources: page.page(users).map(Self.resource))
    }

    public func getUser(id: String) async throws(SCIMError) -> UserResource {
        Self.resource(try await requireUser(id))
    }

    // MARK: Writes

    /// Applies a PATCH. The password write is audited before (fail closed) and after.
    public func patchUser(id: String, change: UserChange, request: RequestInfo, operation: String) async throws(SCIMError) -> UserResource {
        let started = ContinuousClock.now
        let user = try await requireUser(id, request: request, operation: operation)
        if let active = change.active, active != user.active {
            throw SCIMError(status: 501, detail: "Setting active=\(active) is not supported by this pwsync version yet; the password (if any) was not changed either. Turn off 'Deactivate Users' for this app in Okta until pwsync supports it.")
        }
        guard let password = change.password else { return Self.resource(user) }

        do {
            return try await locks.withLock(user.id) { () async throws -> UserResource in
                var event = AuditEvent(.pushReceived, requestID: request.requestID, client: request.client,
                                       principal: request.principal, operation: operation, form: change.form.rawValue,
                                       userName: user.userName, userID: user.id, dn: user.dn, mode: "sync")
                do {
                    try await audit.record(event)
                } catch {
                    logger.error("audit log unwritable; refusing the push", metadata: ["request_id": "\(request.requestID)", "error": "\(error)"])
                    throw SCIMError(status: 429, detail: "pwsync cannot write its audit log, so it is not changing passwords right now. The push will be retried.", retryAfter: retryAfter)
                }
                do {
                    let report = try await directory.setPassword(of: user, to: password)
                    event.event = .applied
                    event.outcome = "success"
                    event.resultCode = report.resultCode
                    event.historyEnforced = report.historyEnforced
                    event.latencyMs = Self.ms(since: started)
                    await recordAfterWrite(event)
                    logger.info("password set", metadata: ["request_id": "\(request.requestID)", "user": "\(user.userName)"])
                    return Self.resource(user)
                } catch let failure as DirectoryFailure {
                    event.event = failure.isTransient ? .deferred : .rejected
                    event.outcome = failure.isTransient ? "deferred" : "failure"
                    event.reason = failure.reason.rawValue
                    event.resultCode = failure.resultCode
                    event.latencyMs = Self.ms(since: started)
                    await recordAfterWrite(event)
                    logger.notice("password not set", metadata: ["request_id": "\(request.requestID)", "user": "\(user.userName)", "reason": "\(failure.reason.rawValue)"])
                    throw scimError(failure)
                }
            }
        } catch let e as SCIMError {
            throw e
        } catch {
            throw SCIMError(status: 500, detail: "Internal error while setting the password.")
        }
    }

    // MARK: Helpers

    /// The outcome record. The directory write has already happened, so a failure here cannot undo
    /// it; it is logged loudly, and the `push_received` record already in the log shows the attempt.
    private func recordAfterWrite(_ event: AuditEvent) async {
        do { try await audit.record(event) } catch {
            logger.critical("audit log write failed after a directory write", metadata: ["request_id": "\(event.requestID ?? "")", "error": "\(error)"])
        }
    }

    private func requireUser(_ id: String, request: RequestInfo? = nil, operation: String? = nil) async throws(SCIMError) -> DirectoryUser {
        let found = try await directoryCall { () async throws(DirectoryFailure) in try await directory.user(id: id) }
        guard let found else {
            if let request {
                try? await audit.record(AuditEvent(.rejected, requestID: request.requestID, client: request.client,
                                                   principal: request.principal, operation: operation, userID: id,
                                                   outcome: "failure", reason: DirectoryFailure.Reason.userNotFound.rawValue))
            }
            throw .notFound("No user with id '\(id)' under pwsync's configured user base. Ids are the directory's objectGUID / entryUUID as returned by GET /Users.")
        }
        return found
    }

    private func directoryCall<T>(_ body: () async throws(DirectoryFailure) -> T) async throws(SCIMError) -> T {
        do { return try await body() } catch { throw scimError(error) }
    }

    func scimError(_ f: DirectoryFailure) -> SCIMError {
        if f.isTransient { return SCIMError(status: 429, detail: f.detail, retryAfter: retryAfter) }
        switch f.reason {
        case .policyViolation, .invalidPassword: return .invalidValue(f.detail)
        case .userNotFound: return .notFound(f.detail)
        case .insufficientRights: return SCIMError(status: 403, detail: f.detail)
        case .ambiguousUser: return SCIMError(status: 409, scimType: "uniqueness", detail: f.detail)
        default: return SCIMError(status: 500, detail: f.detail)
        }
    }

    static func resource(_ u: DirectoryUser) -> UserResource {
        UserResource(id: u.id, userName: u.userName, active: u.active, givenName: u.givenName,
                     familyName: u.familyName, displayName: u.displayName, email: u.email)
    }

    static func ms(since start: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - start
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
}
