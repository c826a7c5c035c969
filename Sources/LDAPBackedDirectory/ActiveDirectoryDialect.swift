import Directory
import LDAP
import LDAPSyntax
import Secrets

/// Active Directory and Samba AD DC: `objectGUID` ids, the ACCOUNTDISABLE bit of
/// `userAccountControl`, `unicodePwd` resets with the policy-hints control, Win32 codes in refusals.
struct ActiveDirectoryDialect: DirectoryDialect {
    static let policyHintsOID = "1.2.840.113556.1.4.2239"
    static let policyHintsDeprecatedOID = "1.2.840.113556.1.4.2066"
    /// BER `SEQUENCE { INTEGER 1 }` in DER: "enforce policy" for the reset.
    static let policyHintsValue: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x01]
    static let accountDisable = 0x2
    static let normalAccount = 0x200
    /// Characters AD refuses in sAMAccountName.
    static let samForbidden = Set("\"/\\[]:;|=,+*?<>@")

    let userNameAttributes: [String]
    let options: ActiveDirectoryOptions

    /// 100 ns resolution, and only a password change moves it.
    var changeMarkerAttribute: String { "pwdLastSet" }
    var userObjectFilter: LDAPFilter { .and([.equals("objectClass", "user"), .equals("objectCategory", "person")]) }
    func attribute(_ a: UserAttribute) -> String {
        switch a {
        case .id: "objectGUID"
        case .userName: userNameAttributes.first ?? "userPrincipalName"
        case .email: "mail"
        case .givenName: "givenName"
        case .familyName: "sn"
        case .displayName: "displayName"
        }
    }

    var accountAttributes: [String] {
        ["userAccountControl", "sAMAccountName", "pwdLastSet", "whenCreated", "whenChanged", "msDS-ResultantPSO"]
    }

    func idFilter(_ id: String) -> LDAPFilter? {
        guard let bytes = ObjectGUID.bytes(fromString: id) else { return nil }
        return .equalsBytes("objectGUID", bytes)
    }

    func user(from e: LDAPEntry) -> DirectoryUser? {
        guard let userName = userName(in: e),
              let id = e.first("objectGUID").flatMap(ObjectGUID.string(fromBytes:)) else { return nil }
        let uac = e.string("userAccountControl").flatMap { Int($0) } ?? 0
        var u = user(id: id, userName: userName, from: e)
        u.active = uac & Self.accountDisable == 0
        u.changeMarker = e.string(changeMarkerAttribute)
        u.created = e.string("whenCreated").flatMap(GeneralizedTime.rfc3339)
        u.lastModified = e.string("whenChanged").flatMap(GeneralizedTime.rfc3339)
        u.accountName = e.string("sAMAccountName")
        u.passwordPolicyEntry = e.string("msDS-ResultantPSO")
        u.passwordChangedAt = e.string("pwdLastSet").flatMap(Self.epochSeconds(fileTime:))
        return u
    }

    /// `pwdLastSet` counts 100 ns since 1601 (UTC); 0 means "must change", which is no time.
    static func epochSeconds(fileTime text: String) -> Int64? {
        guard let v = Int64(text), v > 0 else { return nil }
        return v / 10_000_000 - 11_644_473_600
    }

    /// Names already taken are tried again with a numeric suffix (`jdoe2`, `CN=… 2`), in order,
    /// so the same request always picks the same free name.
    static let maxNameAttempts = 20

    func addRequest(_ new: NewUser, password: Secret, base: String, attempt: Int) throws(DirectoryFailure) -> (dn: String, attributes: [LDAPModification])? {
        guard let unicodePwd = password.activeDirectoryUnicodePwd() else {
            throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.")
        }
        let name = new.userName
        guard name.count <= 64 else {
            throw DirectoryFailure(.invalidAttribute, "userName '\(name)' is longer than the 64 characters an AD cn allows.")
        }
        guard attempt < Self.maxNameAttempts, let sam = try samAccountName(for: name, attempt: attempt) else { return nil }
        let suffix = attempt == 0 ? "" : " \(attempt + 1)"
        let cn = String(name.prefix(64 - suffix.count)) + suffix
        let dn = "CN=\(LDAPDN.escapeValue(cn)),\(base)"
        var mods = [LDAPModification(.add, "objectClass", ["top", "person", "organizationalPerson", "user"].map { .string($0) })]
        mods += Self.attr("cn", cn) + Self.attr("sAMAccountName", sam)
        if userNameAttributes.contains("userPrincipalName") && name.contains("@") { mods += Self.attr("userPrincipalName", name) }
        let mail = userNameAttributes.first == "mail" ? name : new.email
        mods += Self.attr("givenName", new.givenName) + Self.attr("sn", new.familyName) + Self.attr("displayName", new.displayName)
            + Self.attr("mail", mail)
        // NORMAL_ACCOUNT, plus ACCOUNTDISABLE for an inactive ("pending") user.
        mods.append(LDAPModification(.add, "userAccountControl", [.string(String(Self.normalAccount | (new.active ? 0 : Self.accountDisable)))]))
        mods.append(LDAPModification(.add, "unicodePwd", [.secret(unicodePwd)]))
        return (dn, mods)
    }

    static func isValidSAM(_ name: String) -> Bool {
        name.count <= 20 && !name.isEmpty && !name.contains(where: { samForbidden.contains($0) || $0.isWhitespace && $0 != " " })
    }

    /// The account name for attempt `attempt`: the userName itself when it is a valid one, else
    /// the UPN's local part cleaned up; shortened to make room for a numeric suffix after attempt 0.
    /// When sAMAccountName is the only userName attribute, the userName must be valid as it is,
    /// and there is no second choice.
    func samAccountName(for name: String, attempt: Int = 0) throws(DirectoryFailure) -> String? {
        if userNameAttributes == ["sAMAccountName"] {
            guard Self.isValidSAM(name) else {
                throw DirectoryFailure(.invalidAttribute,
                                       "userName '\(name)' cannot be an AD sAMAccountName (at most 20 characters, none of \" / \\ [ ] : ; | = , + * ? < > @). Map Okta's userName to a shorter value, or add \"userPrincipalName\" to directory.user_name_attribute.")
            }
            return attempt == 0 ? name : nil
        }
        let base: String
        if Self.isValidSAM(name) {
            base = name
        } else {
            let localPart = name.split(separator: "@", maxSplits: 1).first.map(String.init) ?? name
            let cleaned = String(localPart.filter { !Self.samForbidden.contains($0) && !$0.isWhitespace }.prefix(20))
            base = cleaned.isEmpty ? "user" : cleaned
        }
        guard attempt > 0 else { return base }
        let suffix = String(attempt + 1)
        return String(base.prefix(20 - suffix.count)) + suffix
    }

    /// The modify of a reset: REPLACE `unicodePwd` (and `pwdLastSet` when configured), so the reset and
    /// its follow-up either both happen or neither does.
    func passwordModifications(_ unicodePwd: Secret) -> [LDAPModification] {
        var mods = [LDAPModification(.replace, "unicodePwd", [.secret(unicodePwd)])]
        switch options.pwdLastSet {
        case .now: mods.append(LDAPModification(.replace, "pwdLastSet", [.string("-1")]))
        case .mustChange: mods.append(LDAPModification(.replace, "pwdLastSet", [.string("0")]))
        case .leave: break
        }
        return mods
    }

    /// Policy hints, sent critical when the DC lists them, so history applies to the reset too.
    func policyHints(supported: Set<String>) throws(DirectoryFailure) -> LDAPControl? {
        if supported.contains(Self.policyHintsOID) {
            return LDAPControl(oid: Self.policyHintsOID, critical: true, value: Self.policyHintsValue)
        }
        if supported.contains(Self.policyHintsDeprecatedOID) {
            return LDAPControl(oid: Self.policyHintsDeprecatedOID, critical: true, value: Self.policyHintsValue)
        }
        if options.history == .require {
            throw DirectoryFailure(.historyNotEnforceable,
                                   "This domain controller cannot enforce password history on a reset (no policy-hints control) and the config requires it (active_directory.history = \"require\").")
        }
        return nil
    }

    func setPassword(of user: DirectoryUser, to password: Secret, in session: some LDAPSession) async throws(DirectoryFailure) -> PasswordWriteReport {
        guard let value = password.activeDirectoryUnicodePwd() else {
            throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.")
        }
        let controls = try policyHints(supported: try await session.supportedControls()).map { [$0] } ?? []
        let dn = user.dn
        let mods = passwordModifications(value)
        do {
            let after = try await session.writeAndReadBack(.setPassword, dn: dn, stampBefore: user.changeMarker) { c in try c.modify(dn: dn, mods, controls: controls) }
            return PasswordWriteReport(historyEnforced: !controls.isEmpty, after: after)
        } catch where error.reason == .policyViolation && !controls.isEmpty {
            // With policy hints, the refusal may be the history (the current password included):
            // AD's 0000052D does not say which rule, so the caller may ask with a bind.
            var reused = error
            reused.refusedAsReused = true
            throw reused
        }
    }

    /// `userAccountControl` with only ACCOUNTDISABLE changed.
    static func accountControl(_ old: Int, enabled: Bool) -> Int {
        enabled ? old & ~accountDisable : old | accountDisable
    }

    /// Reads `userAccountControl` and flips only ACCOUNTDISABLE. The write deletes the exact value
    /// read and adds the new one, so a concurrent change elsewhere makes it fail (then it re-reads)
    /// instead of silently overwriting other flags.
    /// pwdLastSet does not move with userAccountControl: nothing to report.
    @discardableResult
    func setActive(_ active: Bool, dn: String, in session: some LDAPSession) async throws(DirectoryFailure) -> MarkerMove? {
        for _ in 0..<3 {
            let entries = try await session.run(.setActive) { c in
                try await c.search(base: dn, scope: .base, filter: .equals("objectClass", "user"), attributes: ["userAccountControl"])
            }
            guard let raw = entries.first?.string("userAccountControl"), let old = Int(raw) else {
                throw DirectoryFailure(.directoryError, "The account's userAccountControl could not be read, so pwsync did not change it.")
            }
            let new = Self.accountControl(old, enabled: active)
            if new == old { return nil }
            do {
                try await session.run(.setActive) { c in
                    try await c.modify(dn: dn, [LDAPModification(.delete, "userAccountControl", [.string(String(old))]),
                                                LDAPModification(.add, "userAccountControl", [.string(String(new))])])
                }
                return nil
            } catch let f where f.ldapResult == .noSuchAttribute {
                continue  // changed between read and write: read again
            }
        }
        throw DirectoryFailure(.directoryError, "userAccountControl kept changing while pwsync tried to update it; the push will be retried.",
                               isTransient: true)
    }

    func failure(for error: LDAPError, code: LDAPResultCode) -> DirectoryFailure? {
        let rc = code.rawValue
        switch (code, error.win32Code) {
        case (.constraintViolation, 0x524):
            return .init(.alreadyExists, "An entry with this name already exists in the directory.", resultCode: rc)
        case (.constraintViolation, 0x52D), (.unwillingToPerform, 0x52D):
            return .init(.policyViolation,
                         "Directory refused the new password: it does not meet the domain password policy (length, complexity, history or minimum age).",
                         resultCode: rc)
        case (.unwillingToPerform, 0x1F):
            return .init(.insecureConnection, "Directory requires an encrypted connection for this operation (LDAPS or StartTLS).", resultCode: rc)
        case (.unavailableCriticalExtension, _):
            return .init(.historyNotEnforceable,
                         "Directory cannot enforce password history on an administrative reset (policy hints control unsupported).",
                         resultCode: rc)
        case (.unwillingToPerform, 0x2035):
            return .init(.directoryError, "Internal error: the directory took the password value as malformed.", resultCode: rc)
        default:
            return nil
        }
    }

    func missingRight(for action: DirectoryAction) -> String {
        switch action {
        case .setActive: return "enable or disable this account (write access to userAccountControl)"
        case .setProfile: return "write the mapped profile attributes (Write Property on them)"
        case .create: return "create accounts in the configured OU (Create User objects)"
        case .read, .setPassword: return "reset this user's password (the Reset Password right)"
        case .group: return "manage groups under the groups base (Create/Delete Group objects, Write Members, Rename)"
        }
    }
}
