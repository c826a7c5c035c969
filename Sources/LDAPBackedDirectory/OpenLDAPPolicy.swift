import Directory
import LDAP
import LDAPSyntax

/// ppolicy's rules: the entry named by an account's `pwdPolicySubentry`, else the overlay's
/// default, as configured (`[openldap] ppolicy_default`): a service account cannot read cn=config.
extension OpenLDAPDialect {
    var policyAttributes: [String] { ["pwdMinLength", "pwdCheckQuality", "pwdInHistory", "pwdMinAge"] }

    func defaultPolicyDN(in session: some LDAPSession) async throws(DirectoryFailure) -> String? { ppolicyDefault }

    /// ppolicy checks the length only when `pwdCheckQuality` is 1 or 2.
    func policy(from e: LDAPEntry) -> PasswordPolicy {
        let quality = e.string("pwdCheckQuality").flatMap { Int($0) } ?? 0
        return PasswordPolicy(minLength: quality > 0 ? e.string("pwdMinLength").flatMap { Int($0) } ?? 0 : 0,
                              complexity: false,
                              historyLength: e.string("pwdInHistory").flatMap { Int($0) } ?? 0,
                              minAgeSeconds: e.string("pwdMinAge").flatMap { Int($0) } ?? 0,
                              source: "ppolicy \(e.dn)")
    }

    func historyOnReset(in session: some LDAPSession) async throws(DirectoryFailure) -> (enforced: Bool, why: String) {
        (true, "ppolicy checks pwdInHistory on every Password Modify, a service account's reset included")
    }

    /// `groupOfNames`, `groupOfUniqueNames` and `posixGroup` members.
    func membershipFilter(for user: DirectoryUser) -> LDAPFilter {
        .or([.equals("member", user.dn), .equals("uniqueMember", user.dn), .equals("memberUid", user.userName)])
    }
}
