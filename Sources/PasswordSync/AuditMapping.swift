import Audit
import Directory
import SCIM

extension AuditEvent.Reason {
    init(_ reason: DirectoryFailure.Reason) {
        switch reason {
        case .unavailable: self = .directoryUnavailable
        case .insecureConnection: self = .insecureConnection
        case .serviceBindFailed: self = .serviceBindFailed
        case .policyViolation: self = .policyViolation
        case .insufficientRights: self = .insufficientRights
        case .userNotFound: self = .userNotFound
        case .ambiguousUser: self = .ambiguousUser
        case .invalidPassword: self = .invalidPassword
        case .historyNotEnforceable: self = .historyNotEnforceable
        case .directoryError: self = .directoryError
        case .alreadyExists: self = .alreadyExists
        case .invalidAttribute: self = .invalidAttribute
        case .outcomeUnknown: self = .writeOutcomeUnknown
        case .deadline: self = .requestDeadline
        }
    }
}

extension AuditEvent.Form {
    init(_ form: PushForm) {
        switch form {
        case .patchValue: self = .patchValue
        case .patchPath: self = .patchPath
        case .put: self = .put
        case .patchResource: self = .patchResource
        case .postPlaceholder: self = .postPlaceholder
        }
    }
}

extension AuditEvent {
    /// A record about `request`, before anything is known of the outcome.
    init(_ event: Kind, _ request: RequestInfo, _ operation: Operation) {
        self.init(event, requestID: request.requestID, client: request.client, principal: request.principal,
                  operation: operation.rawValue)
    }
}
