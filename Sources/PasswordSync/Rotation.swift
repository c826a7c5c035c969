import Audit
import Directory
import Secrets

/// The password an operator sets from the host's shell: a random one, or one they typed.
package enum OperatorPassword: Sendable {
    case random
    case given(Secret)
}

/// What one account's rotation came to.
package enum RotationOutcome: Sendable, Equatable {
    case rotated
    /// Dry run: it would have been rotated.
    case due
    /// Left alone, with the reason (`sync_mode`, `not_due`).
    case skipped(String)
    /// Not rotated: the reason code, and whether trying later can help.
    case failed(String, transient: Bool)
}

/// How the accounts of an operator's `rotate` are chosen.
package enum AccountSelection: Sendable, Equatable {
    case userNames([String])
    case scope(String)
    case ldapFilter(String)
}

extension PasswordSyncService {
    /// Break-glass: one account's password set from the host's shell, whatever its mode, audited
    /// with the operator. A typed password is checked against the policy first. Returns the
    /// password written (the caller shows it once).
    package func setPassword(userName: String, to value: OperatorPassword, request: RequestInfo) async throws(SyncError) -> (user: DirectoryUser, password: Secret) {
        let user = try await oneUser(named: userName)
        let started = ContinuousClock.now
        return try await locks.withLock(user.id.lowercased()) { () async throws(SyncError) -> (user: DirectoryUser, password: Secret) in
            var event = AuditEvent(.received, request, .setPassword)
            event.userName = user.userName
            event.userID = user.id
            event.dn = user.dn
            event.action = .setPassword
            let rules = await passwordRules(for: user)
            let password: Secret
            switch value {
            case .random:
                event.mode = .random
                password = try randomPassword(for: user, rules: rules)
            case .given(let typed):
                event.mode = .sync
                try await precheck(typed, of: user, rules: rules, event: event)
                password = typed
            }
            written.forget(user.id)
            _ = try await audited(event, started: started) { () async throws(DirectoryFailure) in
                let report = try await directory.setPassword(of: user, to: password)
                return (report, report)
            }
            return (user, password)
        }
    }

    /// The accounts a rotation names, in a stable order, and the names that match no account (a
    /// stale line in a list stops nothing: it is reported, and the others go on).
    package func accounts(_ selection: AccountSelection) async throws(SyncError) -> (found: [DirectoryUser], missing: [String]) {
        switch selection {
        case .userNames(let names):
            var users: [DirectoryUser] = [], missing: [String] = []
            for name in names {
                do { users.append(try await oneUser(named: name)) } catch where error.reason == .directory(.userNotFound) {
                    missing.append(name)
                }
            }
            return (users, missing)
        case .ldapFilter(let filter):
            return (try await directoryCall { () async throws(DirectoryFailure) in try await directory.findUsers(ldapFilter: filter) }, [])
        case .scope(let name):
            guard let scope = policy.modes.scopes.first(where: { $0.name == name }) else {
                throw SyncError(.directory(.invalidAttribute),
                                "No [[scope]] named '\(name)' in the config (scopes: \(policy.modes.scopes.map(\.name).joined(separator: ", "))).")
            }
            switch scope.members {
            case .users(let names): return try await accounts(.userNames(names.sorted()))
            case .subtree:
                let all = try await directoryCall { () async throws(DirectoryFailure) in try await directory.findUsers(nil) }
                return (all.filter { scope.contains(dn: $0.dn) }, [])
            case .group(let group):
                let all = try await directoryCall { () async throws(DirectoryFailure) in try await directory.findUsers(nil) }
                var members: [DirectoryUser] = []
                for u in all where try await directoryCall({ () async throws(DirectoryFailure) in try await directory.isMember(u, ofGroup: group) }) {
                    members.append(u)
                }
                return (members, [])
            }
        }
    }

    /// Rotates `user` to a fresh random password, only if the account is in a `random` scope
    /// (an account in `sync` mode holds Okta's password, which a rotation would destroy) and,
    /// when `olderThan` is given, only if its password is at least that many seconds old.
    package func rotate(_ user: DirectoryUser, request: RequestInfo, dryRun: Bool = false, olderThan: Int64? = nil,
                       now: Int64) async -> RotationOutcome {
        let started = ContinuousClock.now
        return await locks.withLock(user.id.lowercased()) { () async -> RotationOutcome in
            let current: DirectoryUser
            let scope: PasswordScope?
            do {
                // Read inside the lock: a push may have changed the account meanwhile.
                guard let found = try await directory.user(id: user.id) else { return .failed("user_not_found", transient: false) }
                current = found
                scope = try await passwordScope(for: current)
            } catch let e as DirectoryFailure {
                return .failed(AuditEvent.Reason(e.reason).rawValue, transient: e.isTransient)
            } catch let e as SyncError {
                return .failed("directory_error", transient: e.isTransient)
            } catch {
                return .failed("directory_error", transient: true)
            }
            guard scope?.mode == .random else { return .skipped("sync_mode") }
            if let olderThan, let changed = current.passwordChangedAt, now - changed < olderThan { return .skipped("not_due") }
            if dryRun { return .due }
            var event = AuditEvent(.received, request, .rotate)
            event.userName = current.userName
            event.userID = current.id
            event.dn = current.dn
            event.action = .setPassword
            event.mode = .random
            event.scope = scope?.name
            do throws(SyncError) {
                let password = try randomPassword(for: current, rules: await passwordRules(for: current))
                written.forget(current.id)
                _ = try await audited(event, started: started) { () async throws(DirectoryFailure) in
                    let report = try await directory.setPassword(of: current, to: password)
                    return (report, report)
                }
                return .rotated
            } catch {
                switch error.reason {
                case .directory(let r): return .failed(AuditEvent.Reason(r).rawValue, transient: error.isTransient)
                case .auditUnavailable: return .failed("audit_unavailable", transient: true)
                case .writeInDoubt: return .failed(AuditEvent.Reason.writeInDoubt.rawValue, transient: true)
                default: return .failed("directory_error", transient: error.isTransient)
                }
            }
        }
    }

    /// Exactly one account answers to `name`, or a clear refusal.
    func oneUser(named name: String) async throws(SyncError) -> DirectoryUser {
        let found = try await directoryCall { () async throws(DirectoryFailure) in try await directory.findUsers(.equals(.userName, name)) }
        guard let user = found.first else {
            throw SyncError(.directory(.userNotFound), "No user named '\(name)' under \(directory.searchBase).")
        }
        return user
    }
}
