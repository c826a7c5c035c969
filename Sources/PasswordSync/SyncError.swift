import Directory

/// Why a use-case did not do what was asked, in the use-cases' own words: a stable reason,
/// whether trying again later can help, and a detail a person can act on. The Server turns it
/// into a protocol answer; nothing here knows about HTTP.
package struct SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: Sendable, Equatable {
        /// The audit log cannot be written, so nothing is changed.
        case auditUnavailable
        /// The directory refused or failed, for this reason.
        case directory(DirectoryFailure.Reason)
        /// The user is not there and pwsync is not configured to create accounts.
        case creationDisabled
        /// An earlier write for this user is in doubt (sent, unanswered, perhaps still to land).
        case writeInDoubt
    }

    package var reason: Reason
    package var isTransient: Bool
    package var detail: String

    package init(_ reason: Reason, _ detail: String, isTransient: Bool = false) {
        self.reason = reason
        self.detail = detail
        self.isTransient = isTransient
    }

    init(_ failure: DirectoryFailure) {
        self.init(.directory(failure.reason), failure.detail, isTransient: failure.isTransient)
    }

    package var description: String { detail }

    /// The directory refused the value itself (policy, encoding, attribute rules).
    package var isRefusedValue: Bool {
        switch reason {
        case .directory(.policyViolation), .directory(.invalidPassword), .directory(.invalidAttribute): return true
        default: return false
        }
    }
}

/// What a request asked of the use-cases, as recorded in the audit log.
package enum Operation: String, Sendable, CaseIterable {
    /// A partial update (SCIM PATCH).
    case patchUser = "patch_user"
    /// A full replacement (SCIM PUT).
    case replaceUser = "replace_user"
    case createUser = "create_user"
    /// An operator's `pwsync set-password`.
    case setPassword = "set_password"
    /// A rotation, scheduled or by `pwsync rotate`.
    case rotate = "rotate_password"
}
