import Audit
import Directory
import SCIM
import Secrets

extension PasswordSyncService {
    /// Applies a PATCH or PUT: the password (if the request carries one), then `active` (if it
    /// differs from the directory's). Everything else in the request is the directory's business.
    public func updateUser(id: String, change: UserChange, request: RequestInfo, operation: Operation) async throws(SyncError) -> UserResource {
        let started = ContinuousClock.now
        let user = try await requireUser(id, request: request, operation: operation)
        return try await locks.withLock(user.id) { () async throws(SyncError) -> UserResource in
            var current = user
            var template = AuditEvent(.pushReceived, request, operation)
            template.userName = user.userName
            template.userID = user.id
            template.dn = user.dn
            if let password = change.password {
                var event = template
                event.form = AuditEvent.Form(change.form)
                event.action = .setPassword
                event.mode = .sync
                // A full-user PUT repeats the password with every profile update (Okta's agent
                // does); rewriting the value pwsync itself just wrote would fail history checks.
                if change.form == .put, await written.isLastWritten(password, for: user.id) {
                    event.event = .applied
                    event.outcome = .unchanged
                    event.reason = .sameAsLastWrite
                    await recordDecision(event)
                } else {
                    await written.forget(user.id)
                    try await audited(event, started: started) { () async throws(DirectoryFailure) in
                        ((), try await directory.setPassword(of: user, to: password))
                    }
                    await written.remember(password, for: user.id)
                }
            }
            if let active = change.active, active != current.active {
                var event = template
                event.action = active ? .reactivate : .deactivate
                if policy.disableAccounts {
                    current = try await audited(event, started: started) { () async throws(DirectoryFailure) in
                        (try await directory.setActive(active, of: current), nil)
                    }
                } else {
                    event.event = .applied
                    event.outcome = .skipped
                    event.reason = .accountDisablingOff
                    await recordDecision(event)
                    current.active = active  // reported as asked; the directory keeps its state
                }
            }
            return Self.resource(current)
        }
    }
}
