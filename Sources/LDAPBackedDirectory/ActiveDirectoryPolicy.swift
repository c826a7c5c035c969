import Directory
import LDAP
import LDAPSyntax

/// AD's password rules: the domain object's (`minPwdLength`, `pwdProperties`, …) or a fine-grained
/// policy's (PSO, `msDS-…`), which AD names in each account's constructed `msDS-ResultantPSO`.
extension ActiveDirectoryDialect {
    /// DOMAIN_PASSWORD_COMPLEX in `pwdProperties`.
    static let passwordComplex = 0x1

    var policyAttributes: [String] {
        ["minPwdLength", "pwdProperties", "pwdHistoryLength", "minPwdAge",
         "msDS-MinimumPasswordLength", "msDS-PasswordComplexityEnabled", "msDS-PasswordHistoryLength", "msDS-MinimumPasswordAge"]
    }

    /// The domain object: the root DSE's `defaultNamingContext`. (A PSO is read only where the
    /// service account was given Read on it; otherwise the domain's rules stand in.)
    func defaultPolicyDN(in session: some LDAPSession) async throws(DirectoryFailure) -> String? {
        let entries = try await session.run(.read) { c in
            try await c.search(base: "", scope: .base, filter: .any, attributes: ["defaultNamingContext"])
        }
        return entries.first?.string("defaultNamingContext")
    }

    func policy(from e: LDAPEntry) -> PasswordPolicy {
        if let length = e.string("msDS-MinimumPasswordLength") {
            return PasswordPolicy(minLength: Int(length) ?? 0,
                                  complexity: e.string("msDS-PasswordComplexityEnabled")?.uppercased() == "TRUE",
                                  historyLength: e.string("msDS-PasswordHistoryLength").flatMap { Int($0) } ?? 0,
                                  minAgeSeconds: Self.seconds(fromInterval: e.string("msDS-MinimumPasswordAge")),
                                  source: "fine-grained policy \(e.dn)")
        }
        // An entry without either set of attributes is one the service account may not read.
        guard e.string("minPwdLength") != nil else { return .none }
        let properties = e.string("pwdProperties").flatMap { Int($0) } ?? 0
        return PasswordPolicy(minLength: e.string("minPwdLength").flatMap { Int($0) } ?? 0,
                              complexity: properties & Self.passwordComplex != 0,
                              historyLength: e.string("pwdHistoryLength").flatMap { Int($0) } ?? 0,
                              minAgeSeconds: Self.seconds(fromInterval: e.string("minPwdAge")),
                              source: "domain policy \(e.dn)")
    }

    /// AD keeps ages as negative counts of 100 ns.
    static func seconds(fromInterval text: String?) -> Int {
        guard let text, let v = Int64(text) else { return 0 }
        return Int(abs(v) / 10_000_000)
    }

    func historyOnReset(in session: some LDAPSession) async throws(DirectoryFailure) -> (enforced: Bool, why: String) {
        let controls = try await session.supportedControls()
        if controls.contains(Self.policyHintsOID) || controls.contains(Self.policyHintsDeprecatedOID) {
            return (true, "this DC lists the policy-hints control, which pwsync sends with every reset")
        }
        return (false, "this DC has no policy-hints control (Windows Server 2008 R2 and later have it; Samba does not), so a reset may reuse an old password")
    }

    /// Members, nested groups included (LDAP_MATCHING_RULE_IN_CHAIN).
    func membershipFilter(for user: DirectoryUser) -> LDAPFilter {
        .extensible("member", rule: "1.2.840.113556.1.4.1941", user.dn)
    }
}
