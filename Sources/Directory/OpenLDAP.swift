import LDAP
import Secrets

/// OpenLDAP specifics: RFC 3062 Password Modify, so slapd hashes with its `password-hash` and applies
/// ppolicy (for a service account with `write`, not `manage`, access).
extension LDAPDirectory {
    func setOpenLDAPPassword(of user: DirectoryUser, to password: Secret) async throws(DirectoryFailure) -> PasswordWriteReport {
        guard password.isValidUTF8 else {
            throw DirectoryFailure(.invalidPassword, "The password is not valid UTF-8 text.")
        }
        let dn = user.dn
        _ = try await withConnection(.setPassword) { c in
            try await c.passwordModify(userDN: dn, newPassword: password, controls: [.passwordPolicyRequest])
        }
        // ppolicy applies history to every write by a non-manage account.
        return PasswordWriteReport(historyEnforced: true)
    }
}
