import Directory
import CoreMetrics
import LDAP
import LDAPSyntax
import Secrets

/// Bound service-account connections, reused across pushes (no connect+bind per request), with
/// failover across the configured servers and a cap on how many are open at once.
actor ConnectionPool {
    private let servers: [LDAPConnectionOptions]
    private var account: ServiceAccount
    private let maxSize: Int
    /// Bound connections waiting for work, with when they were last used.
    private var idle: [(connection: LDAPConnection, since: ContinuousClock.Instant)] = []
    /// Connections whose bind stops being good at a known time (a Kerberos ticket's end).
    private var bindExpiry: [ObjectIdentifier: ContinuousClock.Instant] = [:]
    /// AD drops an idle LDAP connection after 15 minutes (MaxConnIdleTime); retire ours well before,
    /// so a push rarely meets a dead socket.
    static let maxIdle: Duration = .seconds(300)
    private var open = 0 { didSet { report() } }
    /// Connections handed out and not yet back.
    private var inUse = 0 { didSet { report() } }
    /// Requests waiting for a connection, in arrival order; resumed with true when one is free,
    /// false when their wait is over (deadline or cancellation).
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = [] { didSet { report() } }
    private var nextWaiter: UInt64 = 0
    /// How long a request may wait for a pooled connection before it is answered "busy" (429).
    let maxWait: Duration
    /// Servers marked down after a failed connect, and when each is retried.
    private var health: ServerHealth
    /// Background retries of down servers, one per server.
    private var probes: [Int: Task<Void, Never>] = [:]

    init(servers: [LDAPConnectionOptions], account: ServiceAccount, maxSize: Int, maxWait: Duration) {
        self.servers = servers
        self.account = account
        self.maxSize = max(1, maxSize)
        self.maxWait = maxWait
        self.health = ServerHealth(count: servers.count)
    }

    /// Runs `body` on a bound connection. When a pooled connection turns out dead and the operation
    /// cannot have been applied (`safeToRetry`), it is run once more on a fresh connection. A read
    /// (`idempotent`) whose server stopped answering (timeout, connection lost) marks that server
    /// down and runs once more on another, so lookups in flight on a hung server move on.
    func withConnection<T: Sendable>(idempotent: Bool = false, _ body: @Sendable (LDAPConnection) async throws -> T) async throws -> T {
        var (conn, reused) = try await acquire()
        inUse += 1
        defer { inUse -= 1 }
        var movedOn = false
        while true {
            do {
                let result = try await body(conn)
                // An error the body swallowed (a read-back after a write that landed) still says
                // whether this server stopped answering.
                if conn.serverStoppedAnswering { stoppedAnswering(conn) } else { release(conn) }
                return result
            } catch let e as LDAPError where reused && e.resultCode == -1 && e.safeToRetry {
                discard(conn)
                (conn, reused) = try await acquire(fresh: true)
            } catch let e as LDAPError where idempotent && !movedOn && servers.count > 1 && (e.resultCode == -5 || e.resultCode == -1) {
                movedOn = true
                stoppedAnswering(conn)
                // Only when the second try, at its worst, still ends before the request's deadline.
                let worst = conn.options.connectTimeout * servers.count + conn.options.operationTimeout
                guard RequestDeadline.remaining.map({ $0 > worst }) ?? true else { throw e }
                (conn, reused) = try await acquire(fresh: true)
            } catch var e as LDAPError {
                // A write that timed out or lost its server is not retried (it may have landed), but
                // that server is skipped from now on: the next requests must not wait on it too.
                // A write still unanswered keeps its connection, outside the pool, for its late answer.
                if e.unanswered != nil {
                    detach(conn)
                } else if conn.serverStoppedAnswering { stoppedAnswering(conn) } else if await conn.isUsable { release(conn) } else { discard(conn) }
                e.server = e.server ?? conn.options.url.description
                throw e
            } catch {
                if await conn.isUsable { release(conn) } else { discard(conn) }
                throw error
            }
        }
    }

    /// New connections bind with `password` (SIGHUP after a rotation); bound ones carry on.
    func update(bindPassword password: Secret) {
        if case .password(let dn, _) = account { account = .password(dn: dn, password: password) }
    }

    func closeAll() async {
        for p in probes.values { p.cancel() }
        probes.removeAll()
        let all = idle
        idle.removeAll()
        bindExpiry.removeAll()
        for c in all { await c.connection.close(); open -= 1 }
    }

    private func acquire(fresh: Bool = false) async throws -> (LDAPConnection, Bool) {
        while true {
            // Most recently used first; anything stale, dead or unwanted is closed on the way.
            while let (c, since) = idle.popLast() {
                let bindStillGood = bindExpiry[ObjectIdentifier(c)].map { ContinuousClock.now < $0 } ?? true
                if !fresh, bindStillGood, !onDownServer(c), ContinuousClock.now - since < Self.maxIdle, await c.isAlive { return (c, true) }
                discard(c)
            }
            if open < maxSize { break }
            guard await waitForAConnection() else {
                // Busy: every connection is in use and stayed so. Nothing was sent: safe to retry.
                throw LDAPError(kind: .result(51), operation: "waiting for a pooled connection", safeToRetry: true)
            }
        }
        open += 1
        do {
            return (try await connectAndBind(), false)
        } catch {
            open -= 1
            wakeOne()
            throw error
        }
    }

    /// Waits for `wakeOne`, at most `maxWait`; a cancelled request (client gone) stops waiting.
    private func waitForAConnection() async -> Bool {
        // Never past the request's own deadline.
        let wait = min(maxWait, RequestDeadline.remaining ?? maxWait)
        guard wait > .zero else { return false }
        nextWaiter += 1
        let id = nextWaiter
        let deadline = Task {
            try? await Task.sleep(for: wait)
            self.giveUp(id)
        }
        defer { deadline.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { waiters.append((id, $0)) }
        } onCancel: {
            Task { await self.giveUp(id) }
        }
    }

    private func giveUp(_ id: UInt64) {
        guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: i).continuation.resume(returning: false)
    }

    /// Requests waiting for a connection now (for /metrics and tests).
    var waiting: Int { waiters.count }

    private let openGauge = Gauge(label: "pwsync_directory_pool_connections", dimensions: [("state", "open")])
    private let inUseGauge = Gauge(label: "pwsync_directory_pool_connections", dimensions: [("state", "in_use")])
    private let waitersGauge = Gauge(label: "pwsync_directory_pool_waiters")

    private func report() {
        openGauge.record(open)
        inUseGauge.record(inUse)
        waitersGauge.record(waiters.count)
    }

    /// 1 while the last attempt to connect to this server succeeded, 0 after one failed.
    private func reportServer(_ options: LDAPConnectionOptions, up: Bool) {
        Gauge(label: "pwsync_directory_server_up", dimensions: [("url", options.url.description)]).record(up ? 1 : 0)
    }

    /// The connection's server timed out or went away: the connection is dropped and, where
    /// there is another server to use, this one is marked down.
    private func stoppedAnswering(_ c: LDAPConnection) {
        discard(c)
        if servers.count > 1, let index = server(of: c) { serverDown(index) }
    }

    /// The connection leaves the pool without being closed (its unanswered request may still be
    /// answered); its place is free at once, and its server is treated as one that stopped answering.
    private func detach(_ c: LDAPConnection) {
        open -= 1
        bindExpiry[ObjectIdentifier(c)] = nil
        wakeOne()
        if servers.count > 1, let index = server(of: c) { serverDown(index) }
    }

    private func server(of c: LDAPConnection) -> Int? { servers.firstIndex { $0.url == c.options.url } }

    /// A connection to a server marked down since it was opened, while another may be up (it may
    /// be blackholed: its socket looks alive until an operation times out on it).
    private func onDownServer(_ c: LDAPConnection) -> Bool {
        servers.count > 1 && server(of: c).map(health.isDown) ?? false
    }

    private func release(_ c: LDAPConnection) {
        idle.append((c, ContinuousClock.now))
        wakeOne()
    }

    private func discard(_ c: LDAPConnection) {
        open -= 1
        bindExpiry[ObjectIdentifier(c)] = nil
        Task { await c.close() }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().continuation.resume(returning: true) }
    }

    /// Tries the servers `health` offers, in its order; only "unreachable" moves on to the next
    /// (and marks that server down). A bad service password, a Kerberos identity the KDC refuses or
    /// an unencrypted channel is the same on every server, so it stops at once.
    private func connectAndBind() async throws -> LDAPConnection {
        var last: (any Error)?
        for index in health.candidates(at: .now) {
            do {
                let c = try await connectAndBind(servers[index])
                serverUp(index)
                return c
            } catch var e as LDAPError where e.isTransient {
                serverDown(index)
                e.server = servers[index].url.description
                last = e
                continue
            } catch var e as LDAPError {
                e.server = servers[index].url.description
                throw e
            }
        }
        throw last ?? LDAPError(kind: .result(-1), operation: "connect")
    }

    private func connectAndBind(_ options: LDAPConnectionOptions) async throws -> LDAPConnection {
        let c = try await LDAPConnection.connect(options)
        do {
            if let expiry = try await account.bind(c) { bindExpiry[ObjectIdentifier(c)] = expiry }
        } catch {
            await c.close()
            throw error
        }
        return c
    }

    private func serverUp(_ index: Int) {
        health.succeeded(index)
        probes.removeValue(forKey: index)?.cancel()
        reportServer(servers[index], up: true)
    }

    /// Marks the server down, closes its idle connections (a blackholed server's sockets look
    /// alive, and each would cost a request one timeout) and, unless one is already waiting,
    /// starts its background retry.
    private func serverDown(_ index: Int) {
        let retry = health.failed(index, at: .now, jitter: Double.random(in: 0.5...1))
        reportServer(servers[index], up: false)
        if servers.count > 1 {
            let url = servers[index].url
            let (stale, kept) = (idle.filter { $0.connection.options.url == url }, idle.filter { $0.connection.options.url != url })
            idle = kept
            for c in stale { discard(c.connection) }
        }
        guard probes[index] == nil else { return }
        probes[index] = Task { [weak self] in await self?.probe(index, at: retry) }
    }

    /// Retries a down server at `retry`, and again after each failure, until it binds (then it is
    /// up, and its connection joins the idle pool when there is room) or the pool closes.
    private func probe(_ index: Int, at retry: ContinuousClock.Instant) async {
        var next = retry
        while !Task.isCancelled, health.isDown(index) {
            try? await Task.sleep(until: next, clock: .continuous)
            guard !Task.isCancelled, health.isDown(index) else { break }
            do {
                let c = try await connectAndBind(servers[index])
                health.succeeded(index)
                probes[index] = nil
                reportServer(servers[index], up: true)
                if open < maxSize {
                    open += 1
                    release(c)
                } else {
                    await c.close()
                }
            } catch let e as LDAPError where e.isTransient {
                next = health.failed(index, at: .now, jitter: Double.random(in: 0.5...1))
            } catch {
                // Reachable, but the bind failed: not this server's fault; requests will say why.
                health.succeeded(index)
                probes[index] = nil
                reportServer(servers[index], up: true)
            }
        }
    }
}
