/// `/readyz`: a directory server is reachable and bound, and the audit log is writable. The answer
/// is cached briefly, so an unauthenticated caller cannot turn it into directory load.
package actor Readiness {
    package typealias Check = @Sendable () async -> Bool
    let checks: [Check]
    let cacheFor: Duration
    private var last: (at: ContinuousClock.Instant, ready: Bool)?

    package init(checks: [Check], cacheFor: Duration = .seconds(2)) {
        self.checks = checks
        self.cacheFor = cacheFor
    }

    package func isReady() async -> Bool {
        if let last, ContinuousClock.now - last.at < cacheFor { return last.ready }
        var ready = true
        for check in checks where !(await check()) { ready = false; break }
        last = (.now, ready)
        return ready
    }
}
