import NIOConcurrencyHelpers

/// Failed authentications per client address in a sliding interval. Past the limit, the address is
/// refused (429) without its credentials being checked until the interval has passed. The table is
/// bounded: when full, expired entries go first, then everything (it fails open, never grows).
package final class AuthThrottle: Sendable {
    package struct Limits: Sendable {
        package var failuresPerClient: Int
        package var interval: Duration
        package var maxClients: Int
        package init(failuresPerClient: Int = 20, interval: Duration = .seconds(60), maxClients: Int = 10_000) {
            self.failuresPerClient = failuresPerClient
            self.interval = interval
            self.maxClients = maxClients
        }
    }

    let limits: Limits
    private let table = NIOLockedValueBox<[String: (since: ContinuousClock.Instant, failures: Int)]>([:])

    package init(_ limits: Limits = .init()) { self.limits = limits }

    package func isThrottled(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
        table.withLockedValue { t in
            guard let e = t[client], now - e.since < limits.interval else { return false }
            return e.failures >= limits.failuresPerClient
        }
    }

    package func fail(_ client: String, now: ContinuousClock.Instant = .now) {
        table.withLockedValue { t in
            if var e = t[client], now - e.since < limits.interval {
                e.failures += 1
                t[client] = e
                return
            }
            if t.count >= limits.maxClients {
                t = t.filter { now - $0.value.since < limits.interval }
                if t.count >= limits.maxClients { t.removeAll() }
            }
            t[client] = (now, 1)
        }
    }

    package var clients: Int { table.withLockedValue { $0.count } }
}
