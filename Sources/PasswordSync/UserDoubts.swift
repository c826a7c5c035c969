import CoreMetrics
import Directory
import Synchronization

/// Users with a password write in doubt: sent, unanswered, and possibly still to be applied by the
/// directory. While a user is here, no other write for them is sent (they are answered 429), so a
/// late write can never land after a newer push was answered 2xx. A lock, not an actor: every push
/// asks, and almost always the answer is no.
final class UserDoubts: Sendable {
    private let since = Mutex<[String: ContinuousClock.Instant]>([:])
    private let gauge = Gauge(label: "pwsync_users_in_doubt")
    private let outcomes: [String: Counter] = Dictionary(uniqueKeysWithValues: ["applied", "refused", "marker_moved", "not_applied"].map {
        ($0, Counter(label: "pwsync_late_outcomes_total", dimensions: [("result", $0)]))
    })

    init() { gauge.record(0) }

    func contains(_ user: String) -> Bool { since.withLock { $0[user] != nil } }

    var count: Int { since.withLock { $0.count } }

    func begin(_ user: String) {
        let n = since.withLock { since in
            since[user] = since[user] ?? .now
            return since.count
        }
        gauge.record(n)
    }

    /// The write's fate is known: the user's writes are taken again.
    func lift(_ user: String, _ outcome: LateOutcome) {
        let n = since.withLock { since in
            since[user] = nil
            return since.count
        }
        gauge.record(n)
        outcomes[Self.result(outcome)]?.increment()
    }

    static func result(_ outcome: LateOutcome) -> String {
        switch outcome {
        case .applied: return "applied"
        case .refused: return "refused"
        case .markerMoved: return "marker_moved"
        case .notApplied: return "not_applied"
        }
    }
}
