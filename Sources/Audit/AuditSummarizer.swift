/// Keeps a flood of the same decision from flooding the audit log (and the journal): the first
/// record for a key in each interval is written at once; the rest are counted, and one summary
/// record per key (the last one, with `count`) is written when the interval ends.
package actor AuditSummarizer {
    struct Pending {
        var since: ContinuousClock.Instant
        var suppressed: Int
        var last: AuditEvent
    }

    let sink: any AuditSink
    let interval: Duration
    let maxKeys: Int
    private var pending: [String: Pending] = [:]

    package init(sink: any AuditSink, interval: Duration = .seconds(60), maxKeys: Int = 10_000) {
        self.sink = sink
        self.interval = interval
        self.maxKeys = maxKeys
    }

    /// Records `event` under `key`; returns true when it was written now (not just counted).
    @discardableResult
    package func record(_ event: AuditEvent, key: String, now: ContinuousClock.Instant = .now) async -> Bool {
        if var p = pending[key], now - p.since < interval {
            p.suppressed += 1
            p.last = event
            pending[key] = p
            return false
        }
        if let p = pending.removeValue(forKey: key) { await summarize(p) }
        if pending.count >= maxKeys { await flush(all: true) }
        pending[key] = Pending(since: now, suppressed: 0, last: event)
        try? await sink.record(event)
        return true
    }

    /// Writes the summaries of intervals that have ended (all of them with `all`).
    package func flush(all: Bool = false, now: ContinuousClock.Instant = .now) async {
        let due = pending.filter { all || now - $0.value.since >= interval }
        for (key, p) in due {
            pending[key] = nil
            await summarize(p)
        }
    }

    private func summarize(_ p: Pending) async {
        guard p.suppressed > 0 else { return }
        var summary = p.last
        summary.count = p.suppressed
        try? await sink.record(summary)
    }

    package var keys: Int { pending.count }
}
