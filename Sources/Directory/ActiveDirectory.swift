import LDAP
import Secrets

/// Active Directory (and Samba AD DC) specifics.
extension LDAPDirectory {
    static let policyHintsOID = "1.2.840.113556.1.4.2239"
    static let policyHintsDeprecatedOID = "1.2.840.113556.1.4.2066"
    /// BER `SEQUENCE { INTEGER 1 }` in DER: "enforce policy" for the reset.
    static let policyHintsValue: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x01]
    static let accountDisable: Int = 0x2

    var objectFilter: String {
        switch kind {
        case .activeDirectory: return "(objectClass=user)(objectCategory=person)"
        case .openLDAP: return "(objectClass=inetOrgPerson)"
        }
    }

    var userAttributes: [String] {
        let common = [configuration.userNameAttribute, "givenName", "sn", "displayName", "mail"]
        switch kind {
        case .activeDirectory: return common + ["objectGUID", "userAccountControl"]
        case .openLDAP: return common + ["entryUUID", "cn", "pwdAccountLockedTime"]
        }
    }

    func idFilter(_ id: String) -> String? {
        switch kind {
        case .activeDirectory:
            guard let bytes = ObjectGUID.bytes(fromString: id) else { return nil }
            return "(objectGUID=\(LDAPFilter.escape(bytes: bytes)))"
        case .openLDAP:
            guard let bytes = ObjectGUID.parseUUID(id) else { return nil }
            return "(entryUUID=\(ObjectGUID.uuidString(bytes)))"
        }
    }

    func makeUser(_ e: LDAPEntry) -> DirectoryUser? {
        guard let userName = e.string(configuration.userNameAttribute) else { return nil }
        let id: String?
        let active: Bool
        switch kind {
        case .activeDirectory:
            id = e.first("objectGUID").flatMap(ObjectGUID.string(fromBytes:))
            let uac = e.string("userAccountControl").flatMap { Int($0) } ?? 0
            active = uac & Self.accountDisable == 0
        case .openLDAP:
            id = e.string("entryUUID")?.lowercased()
            active = e.first("pwdAccountLockedTime") == nil
        }
        guard let id else { return nil }
        return DirectoryUser(id: id, dn: e.dn, userName: userName, givenName: e.string("givenName"),
                             familyName: e.string("sn"), displayName: e.string("displayName") ?? e.string("cn"),
                             email: e.string("mail"), active: active)
    }

    /// One modify: REPLACE `unicodePwd` (and `pwdLastSet` when configured), so the reset and its
    /// follow-up either both happen or neither does. Policy hints are sent critical when the DC lists them.
    func setActiveDirectoryPassword(of user: DirectoryUser, to password: Secret) async throws(DirectoryFailure) -> PasswordWriteReport {
        guard let value = password.activeDirectoryUnicodePwd() else {
            throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.")
        }
        let supported = try await supportedControls()
        var controls: [LDAPControl] = []
        if supported.contains(Self.policyHintsOID) {
            controls.append(LDAPControl(oid: Self.policyHintsOID, critical: true, value: Self.policyHintsValue))
        } else if supported.contains(Self.policyHintsDeprecatedOID) {
            controls.append(LDAPControl(oid: Self.policyHintsDeprecatedOID, critical: true, value: Self.policyHintsValue))
        } else if configuration.activeDirectory.history == .require {
            throw DirectoryFailure(.historyNotEnforceable,
                                   "This domain controller cannot enforce password history on a reset (no policy-hints control) and the config requires it (active_directory.history = \"require\").")
        }
        var mods = [LDAPModification(.replace, "unicodePwd", [.secret(value)])]
        switch configuration.activeDirectory.pwdLastSet {
        case .now: mods.append(LDAPModification(.replace, "pwdLastSet", [.string("-1")]))
        case .mustChange: mods.append(LDAPModification(.replace, "pwdLastSet", [.string("0")]))
        case .leave: break
        }
        let dn = user.dn
        let finalMods = mods
        let finalControls = controls
        _ = try await withConnection(.setPassword) { c in try await c.modify(dn: dn, finalMods, controls: finalControls) }
        return PasswordWriteReport(historyEnforced: !controls.isEmpty)
    }

    func supportedControls() async throws(DirectoryFailure) -> Set<String> {
        if let cached = await rootDSE.controls { return cached }
        let entries = try await withConnection { c in
            try await c.search(base: "", scope: .base, filter: "(objectClass=*)", attributes: ["supportedControl"])
        }
        let controls = Set(entries.first?.values("supportedControl").map { String(decoding: $0, as: UTF8.self) } ?? [])
        await rootDSE.store(controls)
        return controls
    }
}
