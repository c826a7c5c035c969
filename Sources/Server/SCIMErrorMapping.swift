import Directory
import PasswordSync
import SCIM

/// The one place a use-case error becomes a SCIM answer: status, `scimType` and `Retry-After`.
/// Okta retries only 429 by itself, so every transient failure is a 429 with an integer delay.
struct SCIMErrorMapping: Sendable {
    /// Seconds Okta should wait after a 429 (it doubles the wait on each retry by itself).
    let retryAfter: Int

    func scimError(_ e: SyncError) -> SCIMError {
        if e.isTransient { return SCIMError(status: 429, detail: e.detail, retryAfter: retryAfter) }
        switch e.reason {
        case .directory(.policyViolation), .directory(.invalidPassword), .directory(.invalidAttribute):
            return .invalidValue(e.detail)
        case .directory(.userNotFound), .creationDisabled:
            return .notFound(e.detail)
        case .directory(.insufficientRights):
            return SCIMError(status: 403, detail: e.detail)
        case .directory(.ambiguousUser), .directory(.alreadyExists):
            return .uniqueness(e.detail)
        case .auditUnavailable, .writeInDoubt:
            return SCIMError(status: 429, detail: e.detail, retryAfter: retryAfter)
        case .directory:
            return SCIMError(status: 500, detail: e.detail)
        }
    }
}
