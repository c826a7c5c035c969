import LDAP

/// A directory failure reduced to a stable reason, a human message safe to show Okta's admin and to
/// write in the audit log, and whether retrying later can help. The server's raw diagnostic text never
/// gets out of here: only the LDAP result code and the Win32 / ppolicy code derived from it.
public struct DirectoryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, Codable {
        case unavailable = "directory_unavailable"
        case insecureConnection = "insecure_connection_refused"
        case serviceBindFailed = "service_bind_failed"
        case policyViolation = "password_policy_violation"
        case insufficientRights = "insufficient_rights"
        case userNotFound = "user_not_found"
        case ambiguousUser = "ambiguous_user"
        case invalidPassword = "invalid_password"
        case historyNotEnforceable = "history_not_enforceable"
        case directoryError = "directory_error"
        case alreadyExists = "already_exists"
        case invalidAttribute = "invalid_attribute"
    }

    /// What pwsync was doing, so a refusal names the right permission.
    public enum Action: Sendable {
        case read, setPassword, setActive, create
    }

    public var reason: Reason
    public var detail: String
    public var resultCode: Int32?
    public var isTransient: Bool

    public init(_ reason: Reason, _ detail: String, resultCode: Int32? = nil, isTransient: Bool = false) {
        self.reason = reason
        self.detail = detail
        self.resultCode = resultCode
        self.isTransient = isTransient
    }

    public var description: String {
        "\(reason.rawValue): \(detail)" + (resultCode.map { " (LDAP rc \($0))" } ?? "")
    }

    /// Maps an LDAP error during a password write (or the search before it) to a reason.
    public static func map(_ error: LDAPError, kind: DirectoryKind, server: String, action: Action = .setPassword) -> DirectoryFailure {
        let rc = error.resultCode
        switch error.kind {
        case .insecureConnection:
            return .init(.insecureConnection,
                         "pwsync refused to send a password to \(server): the connection is not encrypted. Use ldaps:// or StartTLS.")
        case .invalidArgument:
            return .init(.directoryError, "Internal error preparing the directory request.")
        case .result(let code):
            if error.isTransient {
                let what: String
                switch code {
                case -5: what = "did not answer in time"
                case 51, 52: what = "is busy or unavailable"
                default: what = "could not be reached, or the TLS handshake failed (check the CA file and that the certificate names the host as written in the URL)"
                }
                return .init(.unavailable, "Directory server \(server) \(what). The push will be retried.", resultCode: code, isTransient: true)
            }
            switch (kind, code, error.win32Code, error.passwordPolicyError) {
            case (_, 32, _, _):
                return .init(.userNotFound, "The user no longer exists in the directory.", resultCode: rc)
            case (_, 50, _, _):
                let right: String
                switch action {
                case .setActive:
                    right = "enable or disable this account (on AD: write access to userAccountControl; on OpenLDAP: write access to pwdAccountLockedTime)"
                case .create:
                    right = "create accounts in the configured OU (on AD: Create User objects; on OpenLDAP: write access to the OU's children and the new entry's attributes)"
                case .read, .setPassword:
                    right = "reset this user's password (on AD: the Reset Password right; on OpenLDAP: write access to userPassword)"
                }
                return .init(.insufficientRights,
                             "pwsync's service account lacks the right to \(right). Protected accounts (AdminSDHolder) cannot be changed by a delegated account.",
                             resultCode: rc)
            case (_, 68, _, _), (.activeDirectory, 19, 0x524, _):
                return .init(.alreadyExists, "An entry with this name already exists in the directory.", resultCode: rc)
            case (.activeDirectory, 19, 0x52D, _), (.activeDirectory, 53, 0x52D, _):
                return .init(.policyViolation,
                             "Directory refused the new password: it does not meet the domain password policy (length, complexity, history or minimum age).",
                             resultCode: rc)
            case (.activeDirectory, 53, 0x1F, _), (_, 13, _, _), (_, 8, _, _):
                return .init(.insecureConnection, "Directory requires an encrypted connection for this operation (LDAPS or StartTLS).", resultCode: rc)
            case (.activeDirectory, 12, _, _):
                return .init(.historyNotEnforceable,
                             "Directory cannot enforce password history on an administrative reset (policy hints control unsupported).",
                             resultCode: rc)
            case (.activeDirectory, 53, 0x2035, _):
                return .init(.directoryError, "Internal error: the directory took the password value as malformed.", resultCode: rc)
            case (.openLDAP, _, _, let pp?) where pp >= 5 && pp <= 9:
                let why: String
                switch pp {
                case 6: why = "it is too short"
                case 7: why = "the current password is too young to change"
                case 8: why = "it is in the password history (or equals the current password)"
                case 9: why = "it is too long"
                default: why = "it fails the quality check"
                }
                return .init(.policyViolation, "Directory refused the new password: \(why) (OpenLDAP password policy).", resultCode: rc)
            case (_, 19, _, _):
                return .init(.policyViolation, "Directory refused the new password: it violates a constraint or the password policy.", resultCode: rc)
            case (_, 49, _, _):
                return .init(.serviceBindFailed,
                             "pwsync could not bind to \(server) with its service account: check bind_dn and the bind password file.",
                             resultCode: rc, isTransient: true)
            default:
                return .init(.directoryError, "Directory refused the operation: \(error.resultName) (LDAP rc \(code)).", resultCode: rc)
            }
        }
    }
}
