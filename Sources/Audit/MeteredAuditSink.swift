import CoreMetrics
import Metrics

/// An `AuditSink` that also counts decisions and times audit writes for `/metrics`.
///
/// Every decision passes through the audit log, so counting here counts each push exactly once,
/// by the same outcome and reason a reviewer reads in the log.
package struct MeteredAuditSink: AuditSink {
    let inner: any AuditSink
    let writes = Timer(label: "pwsync_audit_write_seconds")
    let failures = Counter(label: "pwsync_audit_write_failures_total")

    /// Make it after `MetricsSystem.bootstrap`: its metrics are created here, once.
    package init(_ inner: any AuditSink) { self.inner = inner }

    package func record(_ event: AuditEvent) async throws {
        let started = ContinuousClock.now
        do {
            try await inner.record(event)
        } catch {
            failures.increment()
            throw error
        }
        writes.record(duration: ContinuousClock.now - started)
        guard let outcome = event.outcome, event.event == .applied || event.event == .rejected || event.event == .deferred else { return }
        Counter(label: "pwsync_decisions_total", dimensions: [
            ("action", event.action?.rawValue ?? "none"), ("outcome", outcome.rawValue), ("reason", event.reason?.rawValue ?? "none"),
        ]).increment(by: Int64(event.count ?? 1))
    }
}
