/// The connection pool's decisions, apart from its I/O (AsyncHTTPClient's pattern): which pooled
/// connection a request gets, when a new one is opened and on which servers, who waits, who is
/// woken, and which connections to close when a server goes down. `ConnectionPool` feeds it
/// events and performs what it returns; it grows `ServerHealth` (failover and back-off) and is
/// unit-tested with a manual clock.
struct PoolState<Connection: Sendable>: Sendable {
    /// A connection handed out, with what the pool knows of it.
    struct Lease: Sendable {
        let connection: Connection
        /// Index of its server in the configured list.
        let server: Int
        /// When its bind stops being good (a Kerberos ticket's end); nil = never.
        let bindExpiry: ContinuousClock.Instant?
    }

    /// What a request for a connection gets.
    enum Acquire: Sendable {
        /// A pooled connection (the caller still checks its socket, then uses it or reports it dead).
        case reuse(Lease, close: [Connection])
        /// Open a new connection, trying these servers in order.
        case open(servers: [Int], close: [Connection])
        /// Every connection is in use: wait for one (`waiterQueued`).
        case wait(close: [Connection])
    }

    let maxSize: Int
    /// AD drops an idle LDAP connection after 15 minutes (MaxConnIdleTime); retire ours well before.
    let maxIdle: Duration
    private(set) var health: ServerHealth
    /// Connections counted against `maxSize`: pooled, handed out, or being opened.
    private(set) var open = 0
    private var idle: [(lease: Lease, since: ContinuousClock.Instant)] = []
    /// Requests waiting for a connection, in arrival order.
    private var waiters: [UInt64] = []
    private var nextWaiter: UInt64 = 0

    init(servers: Int, maxSize: Int, maxIdle: Duration = .seconds(300)) {
        self.maxSize = max(1, maxSize)
        self.maxIdle = maxIdle
        self.health = ServerHealth(count: servers)
    }

    var waiting: Int { waiters.count }
    var idleCount: Int { idle.count }

    /// A request wants a connection. Most recently used first; a stale, expired or unwanted one,
    /// or one on a server marked down while another may be up, is closed on the way.
    mutating func acquire(now: ContinuousClock.Instant, fresh: Bool = false) -> Acquire {
        var close: [Connection] = []
        while let (lease, since) = idle.popLast() {
            let bindStillGood = lease.bindExpiry.map { now < $0 } ?? true
            if !fresh, bindStillGood, !onDownServer(lease.server), now - since < maxIdle { return .reuse(lease, close: close) }
            close.append(lease.connection)
            open -= 1
        }
        guard open < maxSize else { return .wait(close: close) }
        open += 1
        return .open(servers: health.candidates(at: now), close: close)
    }

    /// A new connection is bound: its lease.
    func opened(_ connection: Connection, server: Int, bindExpiry: ContinuousClock.Instant?) -> Lease {
        Lease(connection: connection, server: server, bindExpiry: bindExpiry)
    }

    /// Opening failed on every server tried: its place is free. Returns the waiter to wake.
    mutating func openFailed() -> UInt64? {
        open -= 1
        return wakeOne()
    }

    /// A connection came back, usable. Returns the waiter to wake.
    mutating func released(_ lease: Lease, now: ContinuousClock.Instant) -> UInt64? {
        idle.append((lease, now))
        return wakeOne()
    }

    /// A connection left the pool for good (dead, broken, or kept for a late answer). Returns the
    /// waiter to wake.
    mutating func removed() -> UInt64? {
        open -= 1
        return wakeOne()
    }

    /// A request starts waiting; its id names it to `gaveUp`.
    mutating func waiterQueued() -> UInt64 {
        nextWaiter += 1
        waiters.append(nextWaiter)
        return nextWaiter
    }

    /// A waiter's wait is over (its deadline, or its request went away): true when it was still
    /// waiting, so the caller resumes it with "no connection".
    mutating func gaveUp(_ waiter: UInt64) -> Bool {
        guard let i = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: i)
        return true
    }

    /// A server could not be reached, or stopped answering: it is down until its back-off ends.
    /// With another server to use, its idle connections are closed (a blackholed server's sockets
    /// look alive, and each would cost a request one timeout). Returns when to retry it, the
    /// connections to close, and the waiters their places wake.
    mutating func serverDown(_ server: Int, now: ContinuousClock.Instant, jitter: Double) -> (retry: ContinuousClock.Instant, close: [Connection], wake: [UInt64]) {
        let retry = health.failed(server, at: now, jitter: jitter)
        guard health.count > 1 else { return (retry, [], []) }
        let stale = idle.filter { $0.lease.server == server }
        idle.removeAll { $0.lease.server == server }
        var wake: [UInt64] = []
        for _ in stale {
            open -= 1
            if let w = wakeOne() { wake.append(w) }
        }
        return (retry, stale.map(\.lease.connection), wake)
    }

    mutating func serverUp(_ server: Int) { health.succeeded(server) }

    /// A probe's connection to a server that came back: pooled when there is room. Returns the
    /// lease when pooled (and the waiter to wake), nil when it should be closed.
    mutating func probed(_ connection: Connection, server: Int, bindExpiry: ContinuousClock.Instant?,
                         now: ContinuousClock.Instant) -> (pooled: Bool, wake: UInt64?) {
        guard open < maxSize else { return (false, nil) }
        open += 1
        return (true, released(Lease(connection: connection, server: server, bindExpiry: bindExpiry), now: now))
    }

    /// Every pooled connection, to close at shutdown.
    mutating func drain() -> [Connection] {
        let all = idle.map(\.lease.connection)
        open -= idle.count
        idle.removeAll()
        return all
    }

    /// Connections on a server marked down while another may be up are not reused.
    func onDownServer(_ server: Int) -> Bool { health.count > 1 && health.isDown(server) }

    private mutating func wakeOne() -> UInt64? { waiters.isEmpty ? nil : waiters.removeFirst() }
}
