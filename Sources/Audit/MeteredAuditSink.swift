import CoreMetrics

/// An `AuditSink` that also counts decisions and times audit writes for `/metrics`.
///
/// Every decision passes through the audit log, so counting here counts each push exactly once,
/// by the same outcome and reason a reviewer reads in the log.
public struct MeteredAuditSink: AuditSink {
    let inner: any AuditSink

    public init(_ inner: any AuditSink) { self.inner = inner }

    public func record(_ event: AuditEvent) async throws {
        let started = ContinuousClock.now
        do {
            try await inner.record(event)
        } catch {
            Counter(label: "pwsync_audit_write_failures_total").increment()
            throw error
        }
        Timer(label: "pwsync_audit_write_seconds").recordInterval(since: started)
        guard let outcome = event.outcome, event.event == .applied || event.event == .rejected || event.event == .deferred else { return }
        Counter(label: "pwsync_decisions_total", dimensions: [
            ("action", event.action?.rawValue ?? "none"), ("outcome", outcome.rawValue), ("reason", event.reason?.rawValue ?? "none"),
        ]).increment(by: Int64(event.count ?? 1))
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }
}
