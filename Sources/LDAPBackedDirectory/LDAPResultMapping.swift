import Directory
import Kerberos
import LDAP
import LDAPSyntax

/// Reduces an LDAP error to a `DirectoryFailure`: transport problems and the result codes every
/// directory shares here, the rest by the dialect. The server's diagnostic text never passes.
enum LDAPResultMapping {
    static func failure(_ error: LDAPError, dialect: any DirectoryDialect, server: String,
                        action: DirectoryAction = .setPassword) -> DirectoryFailure {
        var failure = mapped(error, dialect: dialect, server: server, action: action)
        failure.outcomeUnknown = error.outcomeUnknown
        return failure
    }

    private static func mapped(_ error: LDAPError, dialect: any DirectoryDialect, server: String,
                               action: DirectoryAction) -> DirectoryFailure {
        let rc = error.resultCode?.rawValue
        switch error.kind {
        case .insecureConnection:
            return .init(.insecureConnection,
                         "pwsync refused to send a password to \(server): the connection is neither TLS nor sealed by GSSAPI. Use ldaps://, StartTLS, or a Kerberos bind with channel = \"sealed\".")
        case .invalidArgument:
            return .init(.directoryError, "Internal error preparing the directory request.")
        case .result(let code):
            if error.isTransient {
                let what: String
                switch code {
                case .timeout: what = "did not answer in time"
                case .busy, .unavailable: what = "is busy or unavailable"
                default: what = "could not be reached, or the TLS handshake failed (check the CA file and that the certificate names the host as written in the URL)"
                }
                return .init(.unavailable, "Directory server \(server) \(what). The push will be retried.", resultCode: rc, isTransient: true)
            }
            switch code {
            case .noSuchObject:
                return .init(.userNotFound, "The user no longer exists in the directory.", resultCode: rc)
            case .insufficientAccessRights:
                return .init(.insufficientRights,
                             "pwsync's service account lacks the right to \(dialect.missingRight(for: action)). Protected accounts (AdminSDHolder) cannot be changed by a delegated account.",
                             resultCode: rc)
            case .entryAlreadyExists:
                return .init(.alreadyExists, "An entry with this name already exists in the directory.", resultCode: rc)
            default:
                break
            }
            // Attribute values the directory will not take: a profile problem, not a password one.
            let refusedValues: Set<LDAPResultCode> = [.noSuchAttribute, .undefinedAttributeType, .constraintViolation,
                                                      .invalidAttributeSyntax, .objectClassViolation, .objectClassModsProhibited]
            if action == .setProfile, refusedValues.contains(code) {
                return .init(.invalidAttribute,
                             "Directory refused the profile change: \(error.resultName) (LDAP rc \(code)). Check the attribute mapping in [provisioning.attributes] and the value sent.",
                             resultCode: rc)
            }
            if let own = dialect.failure(for: error, code: code) { return own }
            switch code {
            case .confidentialityRequired, .strongerAuthRequired:
                return .init(.insecureConnection, "Directory requires an encrypted connection for this operation (LDAPS or StartTLS).", resultCode: rc)
            case .constraintViolation:
                return .init(.policyViolation, "Directory refused the new password: it violates a constraint or the password policy.", resultCode: rc)
            case .invalidCredentials:
                return .init(.serviceBindFailed,
                             "pwsync could not bind to \(server) with its service account: check bind_dn and the bind password file.",
                             resultCode: rc, isTransient: true)
            default:
                return .init(.directoryError, "Directory refused the operation: \(error.resultName) (LDAP rc \(code)).", resultCode: rc)
            }
        }
    }

    /// A Kerberos bind that could not start. The KDC being unreachable is an outage (429, retried);
    /// the rest need an admin, but pushes meanwhile are kept for Okta to retry, as after a wrong bind
    /// password: a keytab replaced by a stale one at run time must not lose them.
    static func failure(_ error: KerberosFailure) -> DirectoryFailure {
        if error.isTransient {
            return .init(.unavailable, "The Kerberos KDC could not be reached. The push will be retried.", isTransient: true)
        }
        return .init(.serviceBindFailed, "pwsync could not bind with Kerberos: \(error)", isTransient: true)
    }
}

extension DirectoryFailure {
    /// The LDAP result code the failure came from, typed.
    var ldapResult: LDAPResultCode? { resultCode.map { LDAPResultCode($0) } }
}
