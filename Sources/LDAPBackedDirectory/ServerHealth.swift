/// Which directory servers a new connection tries, and in what order. A server that could not be
/// reached is marked down and skipped while another is up, so a dead first URL costs one connect
/// timeout, not one per new connection. It is retried after a backoff that doubles with each
/// failure up to a cap, jittered so that several pwsync hosts do not retry in step.
struct ServerHealth: Sendable {
    struct Down: Sendable, Equatable {
        var until: ContinuousClock.Instant
        var failures: Int
    }

    let count: Int
    let base: Duration
    let cap: Duration
    private(set) var down: [Int: Down] = [:]

    init(count: Int, base: Duration = .seconds(1), cap: Duration = .seconds(60)) {
        self.count = count
        self.base = base
        self.cap = cap
    }

    /// Servers to try now, by index: those up, in configured order; then those whose backoff has
    /// passed. When none of these is left (every server down and waiting), all of them, soonest
    /// retry first: with nowhere else to go, trying costs nothing that failing would not.
    func candidates(at now: ContinuousClock.Instant) -> [Int] {
        let up = (0..<count).filter { down[$0] == nil }
        let due = (0..<count).filter { down[$0].map { $0.until <= now } ?? false }
        if !up.isEmpty || !due.isEmpty { return up + due }
        return (0..<count).sorted { down[$0]!.until < down[$1]!.until }
    }

    /// The server could not be reached: down until a backoff of base × 2^(failures−1), capped,
    /// times `jitter` (0.5…1). Returns when it is due for a retry.
    @discardableResult
    mutating func failed(_ server: Int, at now: ContinuousClock.Instant, jitter: Double) -> ContinuousClock.Instant {
        let failures = (down[server]?.failures ?? 0) + 1
        let doubled = base * Int(1 << min(failures - 1, 20))
        let backoff = min(doubled, cap) * min(1, max(0.5, jitter))
        let until = now + backoff
        down[server] = Down(until: until, failures: failures)
        return until
    }

    mutating func succeeded(_ server: Int) { down[server] = nil }

    func isDown(_ server: Int) -> Bool { down[server] != nil }
}
