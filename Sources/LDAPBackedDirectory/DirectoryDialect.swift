import Directory
import LDAP
import Secrets
import LDAPSyntax

/// What pwsync was doing when the directory refused, so a refusal names the right permission.
package enum DirectoryAction: String, Sendable, CaseIterable {
    case read, setPassword = "set_password", setActive = "set_active", create, setProfile = "set_profile"
    /// Creating, renaming, deleting a group, or changing its members.
    case group
}

/// A change marker read just before and just after one of pwsync's writes, on one connection.
typealias MarkerMove = (before: String?, after: String?)

/// Pooled, bound connections to one directory, as a dialect uses them for its writes.
protocol LDAPSession: Sendable {
    /// Runs `body` on a bound connection; any LDAP error comes out mapped to a `DirectoryFailure`.
    func run<T: Sendable>(_ action: DirectoryAction, _ body: @Sendable (LDAPConnection) async throws -> T) async throws(DirectoryFailure) -> T
    /// Runs `write` on one connection and reads the user at `dn` back in the same visit; the read
    /// is nil when it failed (the write stands: only the read-back is left to the caller). A write
    /// that got no answer is settled by comparing the account's password-changed stamp with
    /// `stampBefore`: landed, it returns as if answered; not landed, it fails as deferred.
    func writeAndReadBack(_ action: DirectoryAction, dn: String, stampBefore: String?,
                          _ write: @Sendable (isolated LDAPConnection) throws -> Void) async throws(DirectoryFailure) -> DirectoryUser?
    /// Modifies the entry at `dn`, reading its change marker just before and just after, on the
    /// same connection and in the same visit: the marker's move is then pwsync's own doing.
    func modifyBetweenMarkers(_ action: DirectoryAction, dn: String, _ modifications: [LDAPModification]) async throws(DirectoryFailure) -> MarkerMove
    /// The root DSE's `supportedControl` values (read once).
    func supportedControls() async throws(DirectoryFailure) -> Set<String>
}

/// Everything that differs between two directories that both speak LDAP: which entries are users,
/// how an id, an account status and a password are expressed, and what a refusal means.
/// One implementation per directory; nothing else in pwsync asks which directory it talks to.
protocol DirectoryDialect: Sendable {
    /// Filter terms (to be joined with `&`) that select user entries.
    var userObjectFilter: LDAPFilter { get }
    /// The directory attribute behind each of pwsync's first-class user attributes.
    func attribute(_ a: UserAttribute) -> String
    /// The attributes `user(from:)` reads besides the first-class ones.
    var accountAttributes: [String] { get }
    /// The attribute behind `DirectoryUser.changeMarker`.
    var changeMarkerAttribute: String { get }

    /// The filter that matches the entry with this SCIM id; nil when `id` is malformed.
    func idFilter(_ id: String) -> LDAPFilter?
    /// Reads a user, including whether the account may log in; nil when the entry is not one.
    func user(from entry: LDAPEntry) -> DirectoryUser?
    /// The attributes SCIM `userName` is matched against, in order.
    var userNameAttributes: [String] { get }
    /// The DN and attributes of a new account, its password included. `attempt` counts names
    /// already taken (0 first); nil when the dialect has no further name to try.
    func addRequest(_ new: NewUser, password: Secret, base: String, attempt: Int) throws(DirectoryFailure) -> (dn: String, attributes: [LDAPModification])?
    /// A refusal this dialect explains better than the generic mapping; nil = not one of its own.
    func failure(for error: LDAPError, code: LDAPResultCode) -> DirectoryFailure?
    /// The right the service account lacks when the directory answers insufficientAccessRights.
    func missingRight(for action: DirectoryAction) -> String

    /// Attributes read from a password-policy entry (the default one and per-account ones).
    var policyAttributes: [String] { get }
    /// The entry with the directory's default password rules; nil when this directory has none
    /// the service account can find.
    func defaultPolicyDN(in session: some LDAPSession) async throws(DirectoryFailure) -> String?
    /// The rules a policy entry states; `source` names it in messages.
    func policy(from entry: LDAPEntry) -> PasswordPolicy
    /// Whether this directory applies password history to an administrative reset, and why, in words.
    func historyOnReset(in session: some LDAPSession) async throws(DirectoryFailure) -> (enforced: Bool, why: String)
    /// A filter that matches the group entry when `user` is one of its members.
    func membershipFilter(for user: DirectoryUser) -> LDAPFilter

    func setPassword(of user: DirectoryUser, to password: Secret, in session: some LDAPSession) async throws(DirectoryFailure) -> PasswordWriteReport
    /// Returns how the write moved the change marker, when it did.
    @discardableResult
    func setActive(_ active: Bool, dn: String, in session: some LDAPSession) async throws(DirectoryFailure) -> MarkerMove?
    /// What the add itself cannot express, done right after it (the account is removed again on failure).
    func finishCreate(_ new: NewUser, dn: String, in session: some LDAPSession) async throws(DirectoryFailure)
}

extension DirectoryDialect {
    func finishCreate(_ new: NewUser, dn: String, in session: some LDAPSession) async throws(DirectoryFailure) {}

    /// A user's userName: the first of the configured attributes it has.
    func userName(in e: LDAPEntry) -> String? {
        userNameAttributes.lazy.compactMap { e.string($0) }.first
    }

    /// The attribute behind SCIM ids.
    var idAttribute: String { attribute(.id) }

    /// The attributes `user(from:)` reads: the userName attributes, the first-class ones, the account's own.
    var userAttributes: [String] {
        Self.unique(userNameAttributes + UserAttribute.allCases.map(attribute) + accountAttributes)
    }

    /// A user read from an entry: who it is, and every first-class value through `attribute(_:)`.
    func user(id: String, userName: String, from e: LDAPEntry) -> DirectoryUser {
        var u = DirectoryUser(id: id, dn: e.dn, userName: userName)
        for a in UserAttribute.allCases { u[a] = e.string(attribute(a)) }
        return u
    }

    /// `attrs` without repeats (attribute names are case-insensitive), in order.
    static func unique(_ attrs: [String]) -> [String] {
        var seen = Set<String>()
        return attrs.filter { seen.insert($0.lowercased()).inserted }
    }

    /// The `attr` entries of an add, skipping empty values.
    static func attr(_ name: String, _ value: String?) -> [LDAPModification] {
        guard let value, !value.isEmpty else { return [] }
        return [LDAPModification(.add, name, [.string(value)])]
    }
}
