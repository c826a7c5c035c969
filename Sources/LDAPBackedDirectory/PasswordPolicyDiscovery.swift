import Directory
import LDAP
import Logging
import Synchronization
import LDAPSyntax

/// Password rules read from the directory, kept for `PolicyCache.maxAge` so a push costs no extra
/// read; the default entry's DN is found once.
final class PolicyCache: Sendable {
    static let maxAge = Duration.seconds(300)
    private let state = Mutex<(defaultDN: String??, byDN: [String: (policy: PasswordPolicy, read: ContinuousClock.Instant)])>((nil, [:]))

    var defaultDN: String?? { state.withLock { $0.defaultDN } }
    func store(defaultDN: String?) { state.withLock { $0.defaultDN = .some(defaultDN) } }

    func policy(_ dn: String) -> PasswordPolicy? {
        state.withLock { s in
            guard let hit = s.byDN[dn.lowercased()], ContinuousClock.now - hit.read < Self.maxAge else { return nil }
            return hit.policy
        }
    }

    func store(_ policy: PasswordPolicy, dn: String) {
        state.withLock { $0.byDN[dn.lowercased()] = (policy, .now) }
    }
}

extension LDAPDirectory {
    /// An account's own policy entry when it has one the service account can read, else the default.
    package func passwordPolicy(for user: DirectoryUser?) async throws(DirectoryFailure) -> PasswordPolicy {
        if let own = user?.passwordPolicyEntry, let policy = try? await policy(at: own), policy != .none { return policy }
        let dn: String?
        if let known = policies.defaultDN {
            dn = known
        } else {
            dn = try await dialect.defaultPolicyDN(in: self)
            policies.store(defaultDN: dn)
        }
        guard let dn else { return .none }
        return try await policy(at: dn)
    }

    func policy(at dn: String) async throws(DirectoryFailure) -> PasswordPolicy {
        if let cached = policies.policy(dn) { return cached }
        let attrs = dialect.policyAttributes
        let entries = try await run { c in try await c.search(base: dn, scope: .base, filter: .any, attributes: attrs) }
        guard let entry = entries.first else { return .none }
        let policy = dialect.policy(from: entry)
        policies.store(policy, dn: dn)
        return policy
    }

    /// Whether a reset by pwsync is checked against the password history, and why.
    package func historyEnforcedOnReset() async throws(DirectoryFailure) -> (enforced: Bool, why: String) {
        try await dialect.historyOnReset(in: self)
    }

    /// Whether an entry exists at `dn` (for checking the DNs a configuration names).
    package func entryExists(_ dn: String) async throws(DirectoryFailure) -> Bool {
        do {
            return try await !run { c in try await c.search(base: dn, scope: .base, filter: .any, attributes: ["1.1"]) }.isEmpty
        } catch where error.ldapResult == .noSuchObject {
            return false
        }
    }

    package func isMember(_ user: DirectoryUser, ofGroup groupDN: String) async throws(DirectoryFailure) -> Bool {
        let filter = dialect.membershipFilter(for: user)
        do {
            let entries = try await run { c in try await c.search(base: groupDN, scope: .base, filter: filter, attributes: ["1.1"]) }
            return !entries.isEmpty
        } catch where error.ldapResult == .noSuchObject {
            logger.error("a scope's group does not exist; its members get the default mode", metadata: ["group": "\(groupDN)"])
            return false
        }
    }
}
