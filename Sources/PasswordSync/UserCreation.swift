import Audit
import Directory
import Secrets

extension PasswordSyncService {
    /// `POST /Users`. An existing account is a conflict (Okta links it through its existence check).
    /// A missing one is created only when a creation OU is configured, with Okta's placeholder
    /// password when the policy says `apply`, otherwise (or when the directory refuses it) with a
    /// strong random password, so no enabled account is ever left without one.
    package func createUser(_ account: NewAccount, request: RequestInfo) async throws(SyncError) -> DirectoryUser {
        let new = account.user
        let started = ContinuousClock.now
        var template = AuditEvent(.received, request, .createUser)
        template.action = .create
        template.userName = new.userName
        let existing = try await directoryCall { () async throws(DirectoryFailure) in
            try await directory.findUsers(.equals(.userName, new.userName))
        }
        if let user = existing.first {
            template.userID = user.id
            template.dn = user.dn
            await recordDecision(template.decided(.rejected(.alreadyExists)))
            throw SyncError(.directory(.alreadyExists),
                            "A user with userName '\(new.userName)' already exists in the directory (id \(user.id)). Okta links existing accounts through its existence check (GET /Users?filter=userName eq ...).")
        }
        guard let base = directory.creationBase else {
            await recordDecision(template.decided(.rejected(.creationDisabled)))
            throw SyncError(.creationDisabled,
                            "No account with userName '\(new.userName)' exists under \(directory.searchBase), and pwsync does not create accounts (provisioning.create_users is off). Create the account in the directory, or turn creation on in pwsync.toml.")
        }
        template.dn = base
        template.form = account.placeholder == nil ? nil : .postPlaceholder
        let created = try await locks.withLock("create:" + new.userName.lowercased()) { () async throws(SyncError) -> DirectoryUser in
            if let placeholder = account.placeholder, policy.placeholder == .apply, !placeholder.containsControlCharacter {
                var event = template
                event.mode = .sync
                event.placeholder = .applied
                do throws(SyncError) {
                    return try await audited(event, started: started) { () async throws(DirectoryFailure) in
                        (try await directory.createUser(new, password: placeholder), nil)
                    } report: { event, user, _ in
                        event.dn = user.dn
                        event.accountName = user.accountName
                    }
                } catch where error.isRefusedValue {
                    // Never fail a create because Okta's placeholder is weak: fall through to random.
                    template.placeholder = .refusedByPolicy
                }
            } else {
                template.placeholder = account.placeholder == nil ? nil : .ignored
            }
            var event = template
            event.mode = .random
            // The account does not exist yet: the directory's default rules, and the names it will have.
            let named = DirectoryUser(id: "", dn: base, userName: new.userName, displayName: new.displayName)
            let random = try randomPassword(for: named, rules: await passwordRules(for: nil))
            return try await audited(event, started: started) { () async throws(DirectoryFailure) in
                (try await directory.createUser(new, password: random), nil)
            } report: { event, user, _ in
                event.dn = user.dn
                event.accountName = user.accountName
            }
        }
        return created
    }
}
