extension AuditEvent {
    /// How a decision ended. Each case sets the record's event, outcome and reason together, so a
    /// record cannot say `applied` with `failure`, or `deferred` without its cause.
    package enum Decision: Sendable, Equatable {
        /// On record before anything is written: a record that cannot be written stops the change.
        case received
        /// Written to the directory.
        case applied
        /// Nothing written: the directory already holds what was asked.
        case unchanged(Reason)
        /// Nothing written, on purpose: the configuration says so, or the request named nothing.
        case skipped(Reason)
        /// Refused; Okta shows it as a failed task.
        case rejected(Reason)
        /// Not now; Okta retries (`429`).
        case deferred(Reason)
        /// Sent, and no one can yet tell whether the directory applied it.
        case inDoubt
        /// A write left in doubt landed: answered late (`nil`), or the change marker moved.
        case appliedLate(Reason?)
        /// A write left in doubt was answered late with a refusal.
        case rejectedLate(Reason)
        /// A write left in doubt got no answer and the change marker had not moved: not applied.
        case doubtLifted
        /// A request without a valid credential.
        case authFailed(Reason)

        var event: Kind {
            switch self {
            case .received: .pushReceived
            case .applied, .unchanged, .skipped: .applied
            case .rejected: .rejected
            case .deferred, .inDoubt: .deferred
            case .appliedLate: .appliedLate
            case .rejectedLate: .rejectedLate
            case .doubtLifted: .doubtLifted
            case .authFailed: .authFailed
            }
        }

        var outcome: Outcome? {
            switch self {
            case .received: nil
            case .applied, .appliedLate: .success
            case .unchanged: .unchanged
            case .skipped: .skipped
            case .rejected, .rejectedLate, .doubtLifted, .authFailed: .failure
            case .deferred: .deferred
            case .inDoubt: .unknown
            }
        }

        var reason: Reason? {
            switch self {
            case .received, .applied: nil
            case .unchanged(let r), .skipped(let r), .rejected(let r), .deferred(let r), .rejectedLate(let r), .authFailed(let r): r
            case .inDoubt: .writeOutcomeUnknown
            case .appliedLate(let r): r
            case .doubtLifted: .noLateAnswer
            }
        }
    }

    /// Sets the event, outcome and reason of `decision`; every other field stays.
    package mutating func decide(_ decision: Decision) {
        event = decision.event
        outcome = decision.outcome
        reason = decision.reason
    }

    /// This record, ended by `decision`.
    package func decided(_ decision: Decision) -> AuditEvent {
        var e = self
        e.decide(decision)
        return e
    }
}
