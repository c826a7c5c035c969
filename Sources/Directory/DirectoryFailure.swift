/// A directory failure reduced to a stable reason, a human message safe to show Okta's admin and to
/// write in the audit log, and whether retrying later can help. The server's raw diagnostic text never
/// never gets in here: only the LDAP result code, and the stable reason its dialect derived from it.
package struct DirectoryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: String, Sendable, Codable {
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
        /// A password write got no answer and the directory could not be asked whether it landed.
        case outcomeUnknown = "write_outcome_unknown"
        /// The request's time to start another directory step ran out (see `RequestDeadline`).
        case deadline = "request_deadline"
    }

    package var reason: Reason
    package var detail: String
    package var resultCode: Int32?
    package var isTransient: Bool
    /// The write was sent and no answer came: whether it landed is still to be found out.
    package var outcomeUnknown: Bool
    /// The unanswered write, still awaited: its late outcome, when it comes.
    package var pending: PendingWrite?
    /// The directory refused the password as one it already had (in the history, or equal to the
    /// current one): the one case where asking whether it is the current password is worth a bind.
    package var refusedAsReused: Bool

    package init(_ reason: Reason, _ detail: String, resultCode: Int32? = nil, isTransient: Bool = false, outcomeUnknown: Bool = false,
                refusedAsReused: Bool = false) {
        self.reason = reason
        self.detail = detail
        self.resultCode = resultCode
        self.isTransient = isTransient
        self.outcomeUnknown = outcomeUnknown
        self.refusedAsReused = refusedAsReused
    }

    package var description: String {
        "\(reason.rawValue): \(detail)" + (resultCode.map { " (LDAP rc \($0))" } ?? "")
    }
}
