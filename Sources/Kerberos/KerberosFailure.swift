import CKerberos

/// Why pwsync could not get Kerberos credentials, in words an admin can act on. Only names,
/// paths and krb5's own messages appear: never a key, never a ticket.
package enum KerberosFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case keytabMissing(path: String)
    /// The file exists but this process (the service user) may not read it.
    case keytabUnreadable(path: String, user: String)
    case noMachineAccount(path: String, expected: String, found: [String])
    case principalNotInKeytab(path: String, principal: String)
    case clockSkew(principal: String)
    case unknownPrincipal(principal: String)
    /// The keytab's key does not decrypt what the KDC sent: an old or wrong key.
    case wrongKey(principal: String, path: String)
    case accountDisabled(principal: String)
    /// The KDC found the ticket too close to its end to issue another from it (Samba refuses a TGT
    /// with less than about two minutes left): fetch a new one and ask again.
    case ticketExpired(principal: String)
    case kdcUnreachable(realm: String)
    case noKDCForRealm(realm: String)
    /// The KDC knows no `ldap/host` principal: the URL's host name is not the DC's name.
    case missingServicePrincipal(spn: String)
    case other(operation: String, code: Int32, message: String)

    /// Worth retrying later without anyone changing anything (a push is answered 429).
    package var isTransient: Bool {
        switch self {
        case .kdcUnreachable, .ticketExpired: return true
        default: return false
        }
    }

    package var description: String {
        switch self {
        case .keytabMissing(let path):
            return "Kerberos keytab \(path) does not exist: join the host to the domain (realm join, adcli or net ads join) or set directory.kerberos_keytab"
        case .keytabUnreadable(let path, let user):
            return "Kerberos keytab \(path) is not readable by \(user): give its group read access (chgrp pwsync \(path); chmod 0640 \(path)) rather than copying it"
        case .noMachineAccount(let path, let expected, let found):
            let list = found.isEmpty ? "no entries" : found.joined(separator: ", ")
            return "Kerberos keytab \(path) has no key for the machine account \(expected) (it holds \(list)): set directory.kerberos_principal"
        case .principalNotInKeytab(let path, let principal):
            return "Kerberos keytab \(path) has no key for \(principal): export it (adcli update, ktutil or samba-tool domain exportkeytab) or fix directory.kerberos_principal"
        case .clockSkew(let principal):
            return "Kerberos refused \(principal): this host's clock differs from the domain controller's by more than the allowed skew (5 minutes by default); synchronise it (systemd-timesyncd or chrony against the DCs)"
        case .unknownPrincipal(let principal):
            return "the KDC does not know \(principal): check directory.kerberos_principal and that the account exists in the domain"
        case .wrongKey(let principal, let path):
            return "the KDC rejected the key for \(principal) in \(path): the keytab is out of date (the account's password changed since it was exported); re-export it"
        case .accountDisabled(let principal):
            return "the KDC refused \(principal): the account is disabled, locked or expired"
        case .ticketExpired(let principal):
            return "the ticket of \(principal) expired before it could be used"
        case .kdcUnreachable(let realm):
            return "no KDC for realm \(realm) answered; the push will be retried"
        case .noKDCForRealm(let realm):
            return "no KDC is known for realm \(realm): add it to /etc/krb5.conf [realms] or enable dns_lookup_kdc"
        case .missingServicePrincipal(let spn):
            return "the KDC has no service principal \(spn): write each URL with the domain controller's own DNS name (the one its ldap/ SPN carries), not an alias or an IP address"
        case .other(let operation, let code, let message):
            return "Kerberos \(operation) failed: \(message) (krb5 code \(code))"
        }
    }

    /// The failure krb5 `code` means while `operation` ran for `principal`.
    static func from(code: krb5_error_code, operation: String, principal: String, realm: String, keytab: String,
                     service: String? = nil, message: String) -> KerberosFailure {
        switch Int(code) {
        case Int(KRB5KRB_AP_ERR_SKEW), Int(KRB5_KDCREP_SKEW):
            return .clockSkew(principal: principal)
        case Int(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN):
            return .unknownPrincipal(principal: principal)
        case Int(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN) where service != nil:
            return .missingServicePrincipal(spn: service!)
        case Int(KRB5KDC_ERR_PREAUTH_FAILED), Int(KRB5KRB_AP_ERR_BAD_INTEGRITY), Int(KRB5_PREAUTH_FAILED):
            return .wrongKey(principal: principal, path: keytab)
        case Int(KRB5KRB_AP_ERR_TKT_EXPIRED):
            return .ticketExpired(principal: principal)
        case Int(KRB5KDC_ERR_CLIENT_REVOKED):
            return .accountDisabled(principal: principal)
        case Int(KRB5_KDC_UNREACH), Int(KRB5_REALM_CANT_RESOLVE):
            return .kdcUnreachable(realm: realm)
        case Int(KRB5_REALM_UNKNOWN):
            return .noKDCForRealm(realm: realm)
        case Int(KRB5_KT_NOTFOUND):
            return .principalNotInKeytab(path: keytab, principal: principal)
        default:
            return .other(operation: operation, code: code, message: message)
        }
    }
}
