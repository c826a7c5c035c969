import LDAP
import Secrets

/// Account creation (off unless a creation OU is configured). The password goes in the add itself,
/// so the directory applies its policy to it and an account never exists without one.
extension LDAPDirectory {
    /// Characters AD refuses in sAMAccountName.
    static let samForbidden = Set("\"/\\[]:;|=,+*?<>@")

    public func createUser(_ new: NewUser, password: Secret) async throws(DirectoryFailure) -> DirectoryUser {
        guard let base = configuration.creationBase else {
            throw DirectoryFailure(.directoryError, "Account creation is not configured.")
        }
        let (dn, attributes) = try addRequest(new, password: password, base: base)
        _ = try await withConnection(.create) { c in try await c.add(dn: dn, attributes) }
        if kind == .openLDAP && !new.active {
            do {
                try await setOpenLDAPLock(true, dn: dn)
            } catch {
                // Never leave an active account behind when an inactive one was asked for.
                _ = try? await withConnection(.create) { c in try await c.delete(dn: dn) }
                throw error
            }
        }
        guard let created = try await entry(dn: dn) else {
            throw DirectoryFailure(.directoryError, "The account was created at \(dn) but cannot be read back; check the service account's read access.")
        }
        return created
    }

    func addRequest(_ new: NewUser, password: Secret, base: String) throws(DirectoryFailure) -> (String, [LDAPModification]) {
        func attr(_ name: String, _ value: String?) -> [LDAPModification] {
            guard let value, !value.isEmpty else { return [] }
            return [LDAPModification(.add, name, [.string(value)])]
        }
        let name = new.userName
        let localPart = String(name.split(separator: "@", maxSplits: 1).first ?? Substring(name))
        switch kind {
        case .activeDirectory:
            guard let unicodePwd = password.activeDirectoryUnicodePwd() else {
                throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.")
            }
            let sam: String
            if configuration.userNameAttribute == "sAMAccountName" {
                guard name.count <= 20, !name.contains(where: { Self.samForbidden.contains($0) || $0.isWhitespace && $0 != " " }) else {
                    throw DirectoryFailure(.invalidAttribute,
                                           "userName '\(name)' cannot be an AD sAMAccountName (at most 20 characters, none of \" / \\ [ ] : ; | = , + * ? < > @). Map Okta's userName to a shorter value, or set directory.user_name_attribute = \"userPrincipalName\".")
                }
                sam = name
            } else {
                let cleaned = String(localPart.filter { !Self.samForbidden.contains($0) && !$0.isWhitespace }.prefix(20))
                sam = cleaned.isEmpty ? "user" : cleaned
            }
            guard name.count <= 64 else {
                throw DirectoryFailure(.invalidAttribute, "userName '\(name)' is longer than the 64 characters an AD cn allows.")
            }
            let dn = "CN=\(LDAPDN.escapeValue(name)),\(base)"
            var mods = [LDAPModification(.add, "objectClass", ["top", "person", "organizationalPerson", "user"].map { .string($0) })]
            mods += attr("cn", name) + attr("sAMAccountName", sam)
            if configuration.userNameAttribute == "userPrincipalName" { mods += attr("userPrincipalName", name) }
            let mail = configuration.userNameAttribute == "mail" ? name : new.email
            mods += attr("givenName", new.givenName) + attr("sn", new.familyName) + attr("displayName", new.displayName) + attr("mail", mail)
            // NORMAL_ACCOUNT, plus ACCOUNTDISABLE for an inactive ("pending") user.
            mods.append(LDAPModification(.add, "userAccountControl", [.string(String(0x200 | (new.active ? 0 : Self.accountDisable)))]))
            mods.append(LDAPModification(.add, "unicodePwd", [.secret(unicodePwd)]))
            return (dn, mods)
        case .openLDAP:
            guard password.isValidUTF8 else { throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.") }
            let rdnAttribute = configuration.userNameAttribute
            let dn = "\(rdnAttribute)=\(LDAPDN.escapeValue(name)),\(base)"
            let display = new.displayName ?? [new.givenName, new.familyName].compactMap { $0 }.joined(separator: " ")
            var mods = [LDAPModification(.add, "objectClass", ["top", "person", "organizationalPerson", "inetOrgPerson"].map { .string($0) })]
            mods += attr("uid", rdnAttribute == "uid" ? name : localPart)
            mods += attr("cn", display.isEmpty ? name : display) + attr("sn", new.familyName ?? name)
            mods += attr("givenName", new.givenName) + attr("displayName", new.displayName)
            mods += attr("mail", rdnAttribute == "mail" ? name : new.email)
            // slapd hashes it (password-hash) and checks it against ppolicy, as for RFC 3062.
            mods.append(LDAPModification(.add, "userPassword", [.secret(password)]))
            return (dn, mods)
        }
    }
}
