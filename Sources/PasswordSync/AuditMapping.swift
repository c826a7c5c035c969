import Audit
import Directory

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

extension AuditEvent {
    /// A record about `request`, ended by `decision` (`received` while its outcome is not known).
    init(_ decision: Decision, _ request: RequestInfo, _ operation: Operation) {
        self.init(.pushReceived, requestID: request.requestID, client: request.client, principal: request.principal,
                  operation: operation.rawValue)
        decide(decision)
    }
}

extension AuditEvent.Decision {
    /// A directory failure: left in doubt, deferred when Okta's retry may succeed, else rejected.
    init(_ failure: DirectoryFailure) {
        if failure.reason == .outcomeUnknown {
            self = .inDoubt
        } else if failure.isTransient {
            self = .deferred(AuditEvent.Reason(failure.reason))
        } else {
            self = .rejected(AuditEvent.Reason(failure.reason))
        }
    }
}
