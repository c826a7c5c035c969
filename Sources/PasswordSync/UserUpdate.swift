import Audit
import Directory
import SCIM
import Secrets

extension PasswordSyncService {
    /// Applies a PATCH or PUT: the password (if the request carries one), then `active` (if it
    /// differs from the directory's), then mapped profile values. The user is read inside the
    /// per-user lock, so a queued push decides on the account as it is when its turn comes.
    public func updateUser(id: String, change: UserChange, request: RequestInfo, operation: Operation) async throws(SyncError) -> UserResource {
        let started = ContinuousClock.now
        return try await locks.withLock(id.lowercased()) { () async throws(SyncError) -> UserResource in
            var current = try await requireUser(id, request: request, operation: operation)
            var template = AuditEvent(.pushReceived, request, operation)
            template.userName = current.userName
            template.userID = current.id
            template.dn = current.dn
            if change.password == nil, change.active == nil, change.profile.isEmpty {
                // Nothing pwsync manages was named: answered, and on record, never a silent 200.
                var event = template
                event.event = .applied
                event.outcome = .skipped
                event.reason = .nothingToChange
                event.form = AuditEvent.Form(change.form)
                await recordDecision(event)
                return Self.resource(current)
            }
            if let password = change.password {
                current = try await setPassword(password, of: current, change: change, template: template, started: started)
            }
            if let active = change.active, active != current.active {
                var event = template
                event.action = active ? .reactivate : .deactivate
                if policy.disableAccounts {
                    let user = current
                    current = try await audited(event, started: started) { () async throws(DirectoryFailure) in
                        (try await directory.setActive(active, of: user), nil)
                    }
                } else {
                    event.event = .applied
                    event.outcome = .skipped
                    event.reason = .accountDisablingOff
                    await recordDecision(event)
                    current.active = active  // reported as asked; the directory keeps its state
                }
            }
            current = try await updateProfile(change.profile, of: current, template: template, started: started)
            return Self.resource(current)
        }
    }

    /// A password push. A control character is refused before the directory is asked; a PUT that
    /// repeats what pwsync itself last wrote is not rewritten, unless the directory's record of
    /// the last change shows someone else changed it since.
    func setPassword(_ password: Secret, of user: DirectoryUser, change: UserChange, template: AuditEvent,
                     started: ContinuousClock.Instant) async throws(SyncError) -> DirectoryUser {
        var event = template
        event.form = AuditEvent.Form(change.form)
        event.action = .setPassword
        event.mode = .sync
        if password.containsControlCharacter {
            event.event = .rejected
            event.outcome = .failure
            event.reason = .invalidPassword
            await recordDecision(event)
            throw SyncError(.directory(.invalidPassword),
                            "The password contains a control character (such as U+0000 or a line break). No one can type it at a login prompt, so pwsync does not write it; set a password without one.")
        }
        if change.form == .put, await written.isLastWritten(password, for: user.id, stamp: user.passwordChanged) {
            event.event = .applied
            event.outcome = .unchanged
            event.reason = .sameAsLastWrite
            await recordDecision(event)
            return user
        }
        await written.forget(user.id)
        let report = try await audited(event, started: started) { () async throws(DirectoryFailure) in
            let report = try await directory.setPassword(of: user, to: password)
            return (report, report)
        } report: { event, _, report in
            event.keptDisabled = report?.keptDisabled == true ? true : nil
        }
        // Read back (in the write's own trip when the directory could): the answer tells the truth
        // (still disabled?), and the stamp of this change is what a repeated PUT is compared against.
        // The password is set and audited whatever happens now: a read-back that fails (the
        // directory went away just after the write) must not turn it into a 429 Okta would resend
        // into the history. The answer then shows the account as it was read before the write.
        var readBack = report.after
        if readBack == nil {
            do {
                readBack = try await directory.user(id: user.id)
            } catch {
                logger.warning("password set; reading the account back failed", metadata: [
                    "user": "\(user.userName)", "reason": "\(error.reason.rawValue)",
                ])
            }
        }
        guard let now = readBack else {
            await written.forget(user.id)
            return user
        }
        await written.remember(password, for: user.id, stamp: now.passwordChanged)
        return now
    }

    /// Mapped profile values are written in one modify of their own; values no mapping covers are
    /// recorded as ignored (Okta's profile push must not turn into a failed task). Values equal to
    /// the directory's are not changes.
    func updateProfile(_ profile: [String: String?], of user: DirectoryUser, template: AuditEvent,
                       started: ContinuousClock.Instant) async throws(SyncError) -> DirectoryUser {
        let changed = profile.filter { path, value in Self.value(of: path, in: user) != value.flatMap { $0.isEmpty ? nil : $0 } }
        guard !changed.isEmpty else { return user }
        let mapped = changed.filter { directory.profileAttributes.contains($0.key) }
        let ignored = changed.keys.filter { !directory.profileAttributes.contains($0) }.sorted()
        var current = user
        if !mapped.isEmpty {
            var event = template
            event.action = .updateProfile
            event.attributes = mapped.keys.sorted()
            let written = try await audited(event, started: started) { () async throws(DirectoryFailure) in
                (try await directory.updateProfile(mapped, of: user), nil)
            }
            if !written.isEmpty {
                current = try await directoryCall { () async throws(DirectoryFailure) in try await directory.user(id: user.id) } ?? user
            }
        }
        if !ignored.isEmpty {
            var event = template
            event.event = .applied
            event.action = .updateProfile
            event.outcome = .skipped
            event.reason = .profileIgnored
            event.attributes = ignored
            await recordDecision(event)
        }
        return current
    }

    /// What pwsync returns for `path` today: the fixed fields, then the mapped values.
    static func value(of path: String, in u: DirectoryUser) -> String? {
        switch path {
        case "name.givenname": return u.givenName
        case "name.familyname": return u.familyName
        case "displayname": return u.displayName
        case "emails[primary].value", "emails[type eq \"work\"].value": return u.email
        default: return u.profile[path]
        }
    }
}
