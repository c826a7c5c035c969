import Audit
import Directory
import Logging
import Secrets

extension PasswordSyncService {
    /// The rules `user`'s password must meet, or `.none` when the directory cannot say right now
    /// (the directory still enforces its own; only the early, clearer refusal is lost).
    func passwordRules(for user: DirectoryUser?) async -> PasswordPolicy {
        do {
            return try await directory.passwordPolicy(for: user)
        } catch {
            logger.warning("password policy unreadable; relying on the directory's own checks", metadata: [
                "user": "\(user?.userName ?? "-")", "reason": "\(error.reason.rawValue)",
            ])
            return .none
        }
    }

    /// A fresh random password for `user` that meets `rules` and shares no three characters with
    /// any of the account's names.
    func randomPassword(for user: DirectoryUser, rules: PasswordPolicy) throws(SyncError) -> Secret {
        let account = user.accountName ?? user.userName
        let generated = policy.generator.generate(length: rules.minLength) { candidate in
            rules.violation(of: candidate, accountName: account, displayName: user.displayName) == nil
                && !PasswordPolicy.sharesNameFragment(candidate, accountName: account, displayName: user.displayName)
        }
        guard let generated else {
            throw SyncError(.directory(.policyViolation),
                            "pwsync could not generate a random password that meets the directory's policy (\(rules)) with the configured [random] characters. Allow more character classes or fewer excluded characters.")
        }
        return generated
    }

    /// Which scope (and so which mode) decides where `user`'s password comes from.
    func passwordScope(for user: DirectoryUser) async throws(SyncError) -> PasswordScope? {
        guard !policy.modes.scopes.isEmpty else { return nil }
        return try await directoryCall { () async throws(DirectoryFailure) in
            try await policy.modes.scope(for: user) { (group: String) async throws(DirectoryFailure) -> Bool in
                try await directory.isMember(user, ofGroup: group)
            }
        }
    }
}
