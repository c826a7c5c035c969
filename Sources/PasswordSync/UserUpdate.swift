import Audit
import Directory
import Logging
import Secrets

extension PasswordSyncService {
    /// Applies a PATCH or PUT: the password (if the request carries one), then `active` (if it
    /// differs from the directory's), then mapped profile values. The user is read inside the
    /// per-user lock, so a queued push decides on the account as it is when its turn comes.
    package func updateUser(id: String, change: AccountChange, request: RequestInfo, operation: Operation) async throws(SyncError) -> DirectoryUser {
        let started = ContinuousClock.now
        return try await locks.withLock(id.lowercased()) { () async throws(SyncError) -> DirectoryUser in
            if RequestDeadline.passed {
                // Queued behind earlier pushes for this user until too late to start: said, and audited.
                var event = AuditEvent(.deferred(.requestDeadline), request, operation)
                event.userID = id
                await lookupFailures.record(event, key: "lookup:request_deadline")
                throw SyncError(RequestDeadline.failure)
            }
            var current = try await requireUser(id, request: request, operation: operation)
            var template = AuditEvent(.received, request, operation)
            template.userName = current.userName
            template.userID = current.id
            template.dn = current.dn
            if change.password == nil, change.active == nil, change.profile.isEmpty {
                // Nothing pwsync manages was named: answered, and on record, never a silent 200.
                var event = template.decided(.skipped(.nothingToChange))
                event.form = change.form
                await recordDecision(event)
                return current
            }
            // With scramble on, a deactivation's password (Okta's PUT carries one) is never written.
            let scrambling = policy.scrambleOnDeactivate && change.active == false
            let deactivating = scrambling && current.active
            // A reactivation comes first: an unlocked account can prove, by a bind, that the password
            // Okta sends along is already its own.
            let reactivating = change.active == true && !current.active
            if reactivating { current = try await setActive(true, of: current, template: template, started: started) }
            if let password = change.password, !scrambling {
                current = try await setPassword(password, of: current, change: change, template: template, started: started)
            }
            if let active = change.active, active != current.active {
                current = try await setActive(active, of: current, template: template, started: started)
            }
            if deactivating { try await scramble(current, template: template, started: started) }
            current = try await updateProfile(change.profile, of: current, template: template, started: started)
            return current
        }
    }

    /// Enables or disables the account (or, with `disable_accounts = false`, records that it was
    /// asked). pwsync's own change carries the memory of its last password write forward: the
    /// change marker moved, but not the password.
    func setActive(_ active: Bool, of user: DirectoryUser, template: AuditEvent, started: ContinuousClock.Instant) async throws(SyncError) -> DirectoryUser {
        var event = template
        event.action = active ? .reactivate : .deactivate
        guard policy.disableAccounts else {
            await recordDecision(event.decided(.skipped(.accountDisablingOff)))
            var reported = user
            reported.active = active  // reported as asked; the directory keeps its state
            return reported
        }
        let now = try await audited(event, started: started) { () async throws(DirectoryFailure) in
            (try await directory.setActive(active, of: user), nil)
        }
        written.carryForward(user.id, from: now.markerBeforeOwnWrite, to: now.changeMarker)
        return now
    }

    /// A password push. In a `random` scope, Okta's value is set aside unread and a fresh random
    /// password is written instead. Otherwise a control character, or a value the directory's
    /// policy cannot accept, is refused before the directory is asked.
    ///
    /// Okta pushes the password again at every sign-in, mostly the one the directory holds. Such a
    /// push is answered 200 "unchanged" and nothing is written when it repeats what pwsync itself
    /// last wrote and the directory's change marker has not moved since; or, without that memory
    /// (a restart, another agent), when the directory refuses it as reused and one bind shows it
    /// is the current password. In doubt, it is written.
    func setPassword(_ pushed: Secret, of user: DirectoryUser, change: AccountChange, template: AuditEvent,
                     started: ContinuousClock.Instant) async throws(SyncError) -> DirectoryUser {
        var event = template
        event.form = change.form
        event.action = .setPassword
        let scope = try await passwordScope(for: user)
        event.scope = scope?.name
        let random = scope?.mode == .random
        event.mode = random ? .random : .sync
        if !random, pushed.containsControlCharacter {
            await recordDecision(event.decided(.rejected(.invalidPassword)))
            throw SyncError(.directory(.invalidPassword),
                            "The password contains a control character (such as U+0000 or a line break). No one can type it at a login prompt, so pwsync does not write it; set a password without one.")
        }
        // A write in doubt may still change the password: no "unchanged" can be known until it settles.
        try await refuseWhileInDoubt(event)
        let fingerprint = written.fingerprint(pushed, for: user.id)
        if written.isLastWritten(fingerprint, for: user.id, stamp: user.changeMarker) {
            await recordDecision(event.decided(.unchanged(.sameAsLastWrite)))
            return user
        }
        let rules = await passwordRules(for: user)
        let password: Secret
        if random {
            do { password = try randomPassword(for: user, rules: rules) } catch {
                await recordDecision(event.decided(.rejected(.policyUnsatisfiable)))
                throw error
            }
        } else {
            try await precheck(pushed, of: user, rules: rules, event: event)
            password = pushed
        }
        written.forget(user.id)
        let outcome = try await audited(event, started: started, fingerprint: fingerprint, relock: user.active ? nil : user) {
            () async throws(DirectoryFailure) -> (PasswordWrite, PasswordWriteReport?) in
            do throws(DirectoryFailure) {
                let report = try await directory.setPassword(of: user, to: password)
                return (.written(report), report)
            } catch where error.refusedAsReused && !random {
                // The one bind, and only after the directory refused the value as reused: if it
                // is the current password, Okta's push changes nothing. A failed or impossible
                // check leaves the directory's refusal standing.
                guard (try? await directory.isCurrentPassword(pushed, of: user)) == true else { throw error }
                return (.alreadyCurrent, nil)
            }
        } report: { event, outcome, report in
            if case .alreadyCurrent = outcome {
                event.decide(.unchanged(.alreadyCurrent))
                event.resultCode = nil
            }
            event.keptDisabled = report?.keptDisabled == true ? true : nil
        }
        switch outcome {
        case .alreadyCurrent:
            // Remembered with the marker as it is now (a bind may move it: ppolicy clears failures).
            guard let now = try? await directory.user(id: user.id) else { return user }
            written.remember(fingerprint, for: user.id, stamp: now.changeMarker)
            return now
        case .written(let report):
            // Read back (in the write's own trip when the directory could): the answer tells the
            // truth (still disabled?), and the marker of this change is what a repeat is compared
            // against. The password is set and audited whatever happens now: a read-back that
            // fails (the directory went away just after the write) must not turn it into a 429
            // Okta would resend. The answer then shows the account as it was read before the write.
            var readBack = report.after
            if readBack == nil {
                do throws(DirectoryFailure) {
                    readBack = try await directory.user(id: user.id)
                } catch {
                    logger.warning("password set; reading the account back failed", metadata: [
                        "user": "\(user.userName)", "reason": "\(error.reason.rawValue)",
                    ])
                }
            }
            guard let now = readBack else { return user }
            // What Okta pushed is remembered (as a keyed fingerprint), in random mode too: its
            // repeat is then recognised and does not rotate the random password again.
            written.remember(fingerprint, for: user.id, stamp: now.changeMarker)
            return now
        }
    }

    /// What a password push came to in the directory.
    enum PasswordWrite: Sendable {
        case written(PasswordWriteReport)
        /// Refused as reused, and it is the current password: nothing to write.
        case alreadyCurrent
    }

    /// Refuses, with the rule it breaks, a pushed password the directory's policy cannot accept:
    /// Okta's admin reads which rule in the task, and the directory is never asked.
    func precheck(_ password: Secret, of user: DirectoryUser, rules: PasswordPolicy, event: AuditEvent) async throws(SyncError) {
        guard let violation = rules.violation(of: password, accountName: user.accountName ?? user.userName,
                                              displayName: user.displayName) else { return }
        let reason: AuditEvent.Reason = switch violation {
        case .tooShort: .passwordTooShort
        case .needsThreeClasses: .passwordNotComplex
        case .containsAccountName, .containsDisplayName: .passwordContainsName
        }
        await recordDecision(event.decided(.rejected(reason)))
        throw SyncError(.directory(.policyViolation),
                        "The password does not meet the directory's password policy: \(violation) (\(rules.source)). pwsync did not send it to the directory; set a password that meets the policy.")
    }

    /// Scramble on deactivate: a fresh random password right after the account was disabled, so
    /// enabling it later does not revive the password it had.
    func scramble(_ user: DirectoryUser, template: AuditEvent, started: ContinuousClock.Instant) async throws(SyncError) {
        var event = template
        event.action = .scramble
        event.mode = .random
        let password: Secret
        do { password = try randomPassword(for: user, rules: await passwordRules(for: user)) } catch {
            await recordDecision(event.decided(.rejected(.policyUnsatisfiable)))
            throw error
        }
        written.forget(user.id)
        _ = try await audited(event, started: started) { () async throws(DirectoryFailure) in
            let report = try await directory.setPassword(of: user, to: password)
            return (report, report)
        }
    }

    /// Mapped profile values are written in one modify of their own; values no mapping covers are
    /// recorded as ignored (Okta's profile push must not turn into a failed task). Values equal to
    /// the directory's are not changes.
    func updateProfile(_ profile: [String: String?], of user: DirectoryUser, template: AuditEvent,
                       started: ContinuousClock.Instant) async throws(SyncError) -> DirectoryUser {
        let changed = profile.filter { path, value in user.value(atProfilePath: path) != value.flatMap { $0.isEmpty ? nil : $0 } }
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
            var event = template.decided(.skipped(.profileIgnored))
            event.action = .updateProfile
            event.attributes = ignored
            await recordDecision(event)
        }
        return current
    }

}
