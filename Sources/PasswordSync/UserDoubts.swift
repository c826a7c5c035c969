import CoreMetrics
import Directory

/// Users with a password write in doubt: sent, unanswered, and possibly still to be applied by the
/// directory. While a user is here, no other write for them is sent (they are answered 429), so a
/// late write can never land after a newer push was answered 2xx.
actor UserDoubts {
    private var since: [String: ContinuousClock.Instant] = [:]
    private let gauge = Gauge(label: "pwsync_users_in_doubt")
    private let outcomes: [String: Counter] = Dictionary(uniqueKeysWithValues: ["applied", "refused", "marker_moved", "not_applied"].map {
        ($0, Counter(label: "pwsync_late_outcomes_total", dimensions: [("result", $0)]))
    })

    init() { gauge.record(0) }

    func contains(_ user: String) -> Bool { since[user] != nil }

    var count: Int { since.count }

    func begin(_ user: String) {
        since[user] = since[user] ?? .now
        gauge.record(since.count)
    }

    /// The write's fate is known: the user's writes are taken again.
    func lift(_ user: String, _ outcome: LateOutcome) {
        since[user] = nil
        gauge.record(since.count)
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
