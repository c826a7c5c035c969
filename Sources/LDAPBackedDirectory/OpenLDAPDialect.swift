import Directory
import LDAP
import LDAPSyntax
import Secrets

/// OpenLDAP with ppolicy: `entryUUID` ids, `pwdAccountLockedTime` for a disabled account, RFC 3062
/// Password Modify (slapd hashes with its `password-hash` and applies ppolicy, for a service account
/// with `write`, not `manage`, access), ppolicy error codes in refusals.
struct OpenLDAPDialect: DirectoryDialect {
    /// ppolicy's "locked until an administrator unlocks it" value.
    static let permanentLock = "000001010000Z"

    let userNameAttributes: [String]
    /// ppolicy's default policy entry, when configured (`[openldap] ppolicy_default`).
    var ppolicyDefault: String? = nil

    var changeMarkerAttribute: String { "entryCSN" }
    var userObjectFilter: LDAPFilter { .equals("objectClass", "inetOrgPerson") }
    func attribute(_ a: UserAttribute) -> String {
        switch a {
        case .id: "entryUUID"
        case .userName: userNameAttributes.first ?? "uid"
        case .email: "mail"
        case .givenName: "givenName"
        case .familyName: "sn"
        case .displayName: "displayName"
        }
    }

    var accountAttributes: [String] {
        ["cn", "pwdAccountLockedTime", "pwdChangedTime", "entryCSN", "createTimestamp", "modifyTimestamp", "pwdPolicySubentry"]
    }

    func idFilter(_ id: String) -> LDAPFilter? {
        guard let bytes = ObjectGUID.parseUUID(id) else { return nil }
        return .equals("entryUUID", ObjectGUID.uuidString(bytes))
    }

    func user(from e: LDAPEntry) -> DirectoryUser? {
        guard let userName = userName(in: e), let id = e.string("entryUUID")?.lowercased() else { return nil }
        var u = user(id: id, userName: userName, from: e)
        u.displayName = u.displayName ?? e.string("cn")
        u.active = e.first("pwdAccountLockedTime") == nil
        // pwdChangedTime has one-second resolution; entryCSN moves with every modify.
        u.changeMarker = e.string(changeMarkerAttribute) ?? e.string("pwdChangedTime")
        u.created = e.string("createTimestamp").flatMap(GeneralizedTime.rfc3339)
        u.lastModified = e.string("modifyTimestamp").flatMap(GeneralizedTime.rfc3339)
        u.passwordPolicyEntry = e.string("pwdPolicySubentry")
        u.passwordChangedAt = e.string("pwdChangedTime").flatMap(GeneralizedTime.epochSeconds)
        return u
    }

    /// The RDN is the userName itself, so a taken name is a taken userName: no second choice.
    func addRequest(_ new: NewUser, password: Secret, base: String, attempt: Int) throws(DirectoryFailure) -> (dn: String, attributes: [LDAPModification])? {
        guard password.isValidUTF8 else { throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.") }
        guard attempt == 0 else { return nil }
        let userNameAttribute = userNameAttributes.first ?? "uid"
        let name = new.userName
        let localPart = name.split(separator: "@", maxSplits: 1).first.map(String.init) ?? name
        let dn = "\(userNameAttribute)=\(LDAPDN.escapeValue(name)),\(base)"
        let display = new.displayName ?? [new.givenName, new.familyName].compactMap { $0 }.joined(separator: " ")
        var mods = [LDAPModification(.add, "objectClass", ["top", "person", "organizationalPerson", "inetOrgPerson"].map { .string($0) })]
        mods += Self.attr("uid", userNameAttribute == "uid" ? name : localPart)
        mods += Self.attr("cn", display.isEmpty ? name : display) + Self.attr("sn", new.familyName ?? name)
        mods += Self.attr("givenName", new.givenName) + Self.attr("displayName", new.displayName)
        mods += Self.attr("mail", userNameAttribute == "mail" ? name : new.email)
        // slapd hashes it (password-hash) and checks it against ppolicy, as for RFC 3062.
        mods.append(LDAPModification(.add, "userPassword", [.secret(password)]))
        return (dn, mods)
    }

    func setPassword(of user: DirectoryUser, to password: Secret, in session: some LDAPSession) async throws(DirectoryFailure) -> PasswordWriteReport {
        guard password.isValidUTF8 else {
            throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.")
        }
        let dn = user.dn
        let after = try await session.writeAndReadBack(.setPassword, dn: dn, stampBefore: user.changeMarker) { c in
            try c.passwordModify(userDN: dn, newPassword: password, controls: [.passwordPolicyRequest])
        }
        if user.active { return PasswordWriteReport(historyEnforced: true, after: after) }
        // ppolicy clears pwdAccountLockedTime when the password changes: a disabled account must
        // not come back to life because a password was pushed, so it is locked again at once.
        do {
            try await setActive(false, dn: dn, in: session)
        } catch {
            throw DirectoryFailure(.directoryError,
                                   "The password was set, but the disabled account could not be locked again (\(error.reason.rawValue)); lock it by hand (pwdAccountLockedTime) and check pwsync's rights.",
                                   resultCode: error.resultCode)
        }
        // ppolicy applies history to every write by a non-manage account.
        return PasswordWriteReport(historyEnforced: true, keptDisabled: true)
    }

    /// The modification that locks (or unlocks) an account.
    static func lockModification(locked: Bool) -> LDAPModification {
        locked ? LDAPModification(.replace, "pwdAccountLockedTime", [.string(permanentLock)])
               : LDAPModification(.delete, "pwdAccountLockedTime", [])
    }

    /// Any modify moves entryCSN, the lock included: the move is read in the same visit, so it
    /// is known to be pwsync's own.
    @discardableResult
    func setActive(_ active: Bool, dn: String, in session: some LDAPSession) async throws(DirectoryFailure) -> MarkerMove? {
        let mod = Self.lockModification(locked: !active)
        do {
            return try await session.modifyBetweenMarkers(.setActive, dn: dn, [mod])
        } catch let f where active && f.ldapResult == .noSuchAttribute {
            return nil  // not locked: already active
        }
    }

    /// An add cannot carry the operational `pwdAccountLockedTime`: an inactive account is locked next.
    func finishCreate(_ new: NewUser, dn: String, in session: some LDAPSession) async throws(DirectoryFailure) {
        if !new.active { try await setActive(false, dn: dn, in: session) }
    }

    func failure(for error: LDAPError, code: LDAPResultCode) -> DirectoryFailure? {
        let why: String
        switch error.passwordPolicyError {
        case .insufficientPasswordQuality: why = "it fails the quality check"
        case .passwordTooShort: why = "it is too short"
        case .passwordTooYoung: why = "the current password is too young to change"
        case .passwordInHistory: why = "it is in the password history (or equals the current password)"
        case .passwordTooLong: why = "it is too long"
        case nil, .passwordExpired, .accountLocked, .changeAfterReset, .passwordModNotAllowed, .mustSupplyOldPassword: return nil
        }
        return .init(.policyViolation, "Directory refused the new password: \(why) (OpenLDAP password policy).", resultCode: code.rawValue,
                     refusedAsReused: error.passwordPolicyError == .passwordInHistory)
    }

    func missingRight(for action: DirectoryAction) -> String {
        switch action {
        case .setActive: return "enable or disable this account (write access to pwdAccountLockedTime)"
        case .setProfile: return "write the mapped profile attributes"
        case .create: return "create accounts in the configured OU (write access to the OU's children and the new entry's attributes)"
        case .read, .setPassword: return "reset this user's password (write access to userPassword)"
        case .group: return "manage groups under the groups base (write access to its children, and to cn and member of its groups)"
        }
    }
}
