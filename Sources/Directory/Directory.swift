import Secrets

/// A directory account as pwsync reports it to SCIM clients. Holds no password, ever.
package struct DirectoryUser: Sendable, Equatable {
    /// Stable SCIM id: AD `objectGUID` or OpenLDAP `entryUUID`, as a lower-case UUID string.
    package var id: String
    package var dn: String
    package var userName: String
    package var givenName: String?
    package var familyName: String?
    package var displayName: String?
    package var email: String?
    package var active: Bool
    /// A marker the directory changes with every change to the password, fine enough to tell two
    /// changes in one second apart (AD `pwdLastSet`, 100 ns; OpenLDAP `entryCSN`, which any modify
    /// moves). Compared as an opaque value: equal means no one changed the password in between;
    /// nil when the directory keeps none.
    package var changeMarker: String?
    /// On the account a write of pwsync's returns: the change marker read just before that write,
    /// on the same connection; with `changeMarker` it tells pwsync's own change from anyone else's.
    /// nil elsewhere, and when the write did not move the marker.
    package var markerBeforeOwnWrite: String?
    /// The same record as seconds since 1970 (UTC), for rotation schedules; nil when unknown.
    package var passwordChangedAt: Int64?
    /// RFC 3339 times of creation and last change, from the directory.
    package var created: String?
    package var lastModified: String?
    /// AD's `sAMAccountName` (the pre-Windows 2000 logon name); nil elsewhere.
    package var accountName: String?
    /// The entry holding the password rules for this account when they are not the directory's
    /// default (AD `msDS-ResultantPSO`, OpenLDAP `pwdPolicySubentry`).
    package var passwordPolicyEntry: String?
    /// Values of the mapped profile attributes, by canonical SCIM path.
    package var profile: [String: String]

    package init(id: String, dn: String, userName: String, givenName: String? = nil, familyName: String? = nil,
                displayName: String? = nil, email: String? = nil, active: Bool = true, changeMarker: String? = nil,
                created: String? = nil, lastModified: String? = nil, accountName: String? = nil, profile: [String: String] = [:],
                passwordPolicyEntry: String? = nil) {
        self.id = id
        self.dn = dn
        self.userName = userName
        self.givenName = givenName
        self.familyName = familyName
        self.displayName = displayName
        self.email = email
        self.active = active
        self.changeMarker = changeMarker
        self.created = created
        self.lastModified = lastModified
        self.accountName = accountName
        self.profile = profile
        self.passwordPolicyEntry = passwordPolicyEntry
    }
}

/// What pwsync may put in a new account when creation is enabled: the SCIM core profile, no more.
package struct NewUser: Sendable, Equatable {
    package var userName: String
    package var givenName: String?
    package var familyName: String?
    package var displayName: String?
    package var email: String?
    package var active: Bool

    package init(userName: String, givenName: String? = nil, familyName: String? = nil, displayName: String? = nil,
                email: String? = nil, active: Bool = true) {
        self.userName = userName
        self.givenName = givenName
        self.familyName = familyName
        self.displayName = displayName
        self.email = email
        self.active = active
    }
}

/// A directory-neutral query: what a SCIM filter turns into once validated.
package indirect enum UserFilter: Sendable, Equatable {
    case equals(UserAttribute, String)
    case and([UserFilter])
    case or([UserFilter])
}

/// What happened besides "the password is set": things the audit log must record.
package struct PasswordWriteReport: Sendable, Equatable {
    /// True when the directory was asked to enforce password history on this reset.
    package var historyEnforced: Bool
    /// The account was disabled and the directory's own reaction to a password change (ppolicy
    /// clears the lock) was undone in the same logical change: it is still disabled.
    package var keptDisabled: Bool

    /// The account as the directory holds it right after the write, when it was read back in the
    /// same operation (nil: the caller reads it itself).
    package var after: DirectoryUser?

    package init(historyEnforced: Bool, keptDisabled: Bool = false, after: DirectoryUser? = nil) {
        self.historyEnforced = historyEnforced
        self.keptDisabled = keptDisabled
        self.after = after
    }
}

/// Which directory pwsync talks to; the LDAP-backed directory picks its dialect from it.
package enum DirectoryKind: String, Sendable, Codable, CaseIterable {
    case activeDirectory = "active_directory"
    case openLDAP = "openldap"
}

/// Everything PasswordSync needs from a directory. Implemented over LDAP for AD and OpenLDAP,
/// and by in-memory fakes in unit tests.
package protocol Directory: Sendable {
    /// How this directory names the attribute behind SCIM ids, for messages (`objectGUID`, `entryUUID`).
    var idAttribute: String { get }
    /// Users under the base that also match an LDAP filter an operator typed (`pwsync rotate
    /// --filter`); a malformed filter is an `invalidAttribute` failure.
    func findUsers(ldapFilter: String) async throws(DirectoryFailure) -> [DirectoryUser]
    /// Users matching `filter` (all users under the base when nil), in a stable order (by DN).
    func findUsers(_ filter: UserFilter?) async throws(DirectoryFailure) -> [DirectoryUser]
    /// The user with this SCIM id, or nil. A malformed id is simply not found.
    func user(id: String) async throws(DirectoryFailure) -> DirectoryUser?
    /// Administrative reset of `user`'s password to `password`. A write sent and not answered fails
    /// with `outcomeUnknown`, and with a `pending` handle when the directory may still answer it.
    func setPassword(of user: DirectoryUser, to password: Secret) async throws(DirectoryFailure) -> PasswordWriteReport
    /// Whether `password` is `user`'s current password, by one bind as the user on a connection of
    /// its own. Only ever asked after the directory refused that value as reused: a bind that fails
    /// counts as a failed logon (AD `badPwdCount`, ppolicy `pwdFailureTime`).
    func isCurrentPassword(_ password: Secret, of user: DirectoryUser) async throws(DirectoryFailure) -> Bool
    /// Enables or disables the account the way its dialect expresses it. Returns the user as it now is.
    func setActive(_ active: Bool, of user: DirectoryUser) async throws(DirectoryFailure) -> DirectoryUser
    /// Creates an account under `creationBase` with `password` set in the same add, so a half-made
    /// account never exists. Only called when creation is configured.
    func createUser(_ user: NewUser, password: Secret) async throws(DirectoryFailure) -> DirectoryUser
    /// Writes profile values (canonical SCIM path → value, nil = clear) in one modify of their own;
    /// only paths in `profileAttributes` are given. Returns the directory attributes it changed.
    func updateProfile(_ values: [String: String?], of user: DirectoryUser) async throws(DirectoryFailure) -> [String]
    /// The SCIM profile paths this directory is configured to write; empty = profile push off.
    var profileAttributes: Set<String> { get }
    /// The password rules that apply to `user` (nil: the directory's default rules), as the
    /// directory states them; read at start-up and again when older than the refresh interval.
    func passwordPolicy(for user: DirectoryUser?) async throws(DirectoryFailure) -> PasswordPolicy
    /// Whether `user` is a member of the group at `groupDN` (nested groups too where the directory
    /// resolves them in one query, as AD does).
    func isMember(_ user: DirectoryUser, ofGroup groupDN: String) async throws(DirectoryFailure) -> Bool
    /// Succeeds when the directory can be used right now (for readiness checks).
    func probe() async throws(DirectoryFailure)
    /// Where users are searched, for messages that tell the admin where pwsync looked.
    var searchBase: String { get }
    /// Where new accounts go; nil when account creation is off.
    var creationBase: String? { get }
}
