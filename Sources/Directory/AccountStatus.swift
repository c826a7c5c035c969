import LDAP

/// Deactivation and reactivation, the way each directory expresses "this account may not log in".
extension LDAPDirectory {
    /// OpenLDAP ppolicy's "locked until an administrator unlocks it" value.
    static let permanentLock = "000001010000Z"

    public func setActive(_ active: Bool, of user: DirectoryUser) async throws(DirectoryFailure) -> DirectoryUser {
        switch kind {
        case .activeDirectory: try await setActiveDirectoryEnabled(active, dn: user.dn)
        case .openLDAP: try await setOpenLDAPLock(!active, dn: user.dn)
        }
        guard let now = try await entry(dn: user.dn) else {
            throw DirectoryFailure(.userNotFound, "The user no longer exists in the directory.")
        }
        return now
    }

    /// Reads `userAccountControl` and flips only ACCOUNTDISABLE. The write deletes the exact value
    /// read and adds the new one, so a concurrent change elsewhere makes it fail (then it re-reads)
    /// instead of silently overwriting other flags.
    func setActiveDirectoryEnabled(_ enabled: Bool, dn: String) async throws(DirectoryFailure) {
        for _ in 0..<3 {
            let entries = try await withConnection(.setActive) { c in
                try await c.search(base: dn, scope: .base, filter: "(objectClass=user)", attributes: ["userAccountControl"])
            }
            guard let raw = entries.first?.string("userAccountControl"), let old = Int(raw) else {
                throw DirectoryFailure(.directoryError, "The account's userAccountControl could not be read, so pwsync did not change it.")
            }
            let new = enabled ? old & ~Self.accountDisable : old | Self.accountDisable
            if new == old { return }
            do {
                _ = try await withConnection(.setActive) { c in
                    try await c.modify(dn: dn, [LDAPModification(.delete, "userAccountControl", [.string(String(old))]),
                                                LDAPModification(.add, "userAccountControl", [.string(String(new))])])
                }
                return
            } catch let f where f.resultCode == 16 {
                continue  // changed between read and write: read again
            }
        }
        throw DirectoryFailure(.directoryError, "userAccountControl kept changing while pwsync tried to update it; the push will be retried.",
                               isTransient: true)
    }

    func setOpenLDAPLock(_ locked: Bool, dn: String) async throws(DirectoryFailure) {
        let mod = locked ? LDAPModification(.replace, "pwdAccountLockedTime", [.string(Self.permanentLock)])
                         : LDAPModification(.delete, "pwdAccountLockedTime", [])
        do {
            _ = try await withConnection(.setActive) { c in try await c.modify(dn: dn, [mod]) }
        } catch let f where !locked && f.resultCode == 16 {
            return  // not locked: already active
        }
    }

    /// One entry by DN, as a user (nil when it is gone or not a user).
    func entry(dn: String) async throws(DirectoryFailure) -> DirectoryUser? {
        let attrs = userAttributes
        let filter = "(&\(objectFilter))"
        do {
            let entries = try await withConnection { c in
                try await c.search(base: dn, scope: .base, filter: filter, attributes: attrs)
            }
            return entries.compactMap(makeUser).first
        } catch let f where f.resultCode == 32 {
            return nil
        }
    }
}
