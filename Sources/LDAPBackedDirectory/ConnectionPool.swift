import Directory
import CoreMetrics
import LDAP
import LDAPSyntax
import Secrets

/// Bound service-account connections, reused across pushes (no connect+bind per request), with
/// failover across the configured servers and a cap on how many are open at once. What to do is
/// `PoolState`'s decision; this actor connects, binds, checks sockets, closes and waits.
actor ConnectionPool {
    private let servers: [LDAPConnectionOptions]
    private var account: ServiceAccount
    private var state: PoolState<LDAPConnection> { didSet { report() } }
    /// Connections handed out and not yet back.
    private var inUse = 0 { didSet { report() } }
    /// Requests waiting for a connection, by the id `state` knows them by; resumed with true when
    /// one is free, false when their wait is over (deadline or cancellation).
    private var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    /// How long a request may wait for a pooled connection before it is answered "busy" (429).
    let maxWait: Duration
    /// Background retries of down servers, one per server.
    private var probes: [Int: Task<Void, Never>] = [:]

    init(servers: [LDAPConnectionOptions], account: ServiceAccount, maxSize: Int, maxWait: Duration) {
        self.servers = servers
        self.account = account
        self.maxWait = maxWait
        self.state = PoolState(servers: servers.count, maxSize: maxSize)
    }

    /// Runs `body` on a bound connection. When a pooled connection turns out dead and the operation
    /// cannot have been applied (`safeToRetry`), it is run once more on a fresh connection. A read
    /// (`idempotent`) whose server stopped answering (timeout, connection lost) marks that server
    /// down and runs once more on another, so lookups in flight on a hung server move on.
    func withConnection<T: Sendable>(idempotent: Bool = false, _ body: @Sendable (LDAPConnection) async throws -> T) async throws -> T {
        var (lease, reused) = try await acquire()
        inUse += 1
        defer { inUse -= 1 }
        var movedOn = false
        while true {
            let conn = lease.connection
            do {
                let result = try await body(conn)
                // An error the body swallowed (a read-back after a write that landed) still says
                // whether this server stopped answering.
                if conn.serverStoppedAnswering { stoppedAnswering(lease) } else { release(lease) }
                return result
            } catch let e as LDAPError where reused && e.resultCode == .serverDown && e.safeToRetry {
                discard(lease)
                (lease, reused) = try await acquire(fresh: true)
            } catch let e as LDAPError where idempotent && !movedOn && servers.count > 1 && (e.resultCode == .timeout || e.resultCode == .serverDown) {
                movedOn = true
                stoppedAnswering(lease)
                // Only when the second try, at its worst, still ends before the request's deadline.
                let worst = conn.options.connectTimeout * servers.count + conn.options.operationTimeout
                guard RequestDeadline.remaining.map({ $0 > worst }) ?? true else { throw e }
                (lease, reused) = try await acquire(fresh: true)
            } catch var e as LDAPError {
                // A write that timed out or lost its server is not retried (it may have landed), but
                // that server is skipped from now on: the next requests must not wait on it too.
                // A write still unanswered keeps its connection, outside the pool, for its late answer.
                if e.unanswered != nil {
                    detach(lease)
                } else if conn.serverStoppedAnswering { stoppedAnswering(lease) } else if await conn.isUsable { release(lease) } else { discard(lease) }
                e.server = e.server ?? conn.options.url.description
                throw e
            } catch {
                if await conn.isUsable { release(lease) } else { discard(lease) }
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
        for c in state.drain() { await c.close() }
    }

    private func acquire(fresh: Bool = false) async throws -> (PoolState<LDAPConnection>.Lease, Bool) {
        while true {
            switch state.acquire(now: .now, fresh: fresh) {
            case .reuse(let lease, let stale):
                close(stale)
                if await lease.connection.isAlive { return (lease, true) }
                discard(lease)
            case .open(let candidates, let stale):
                close(stale)
                do {
                    return (try await connectAndBind(candidates), false)
                } catch {
                    wake(state.openFailed())
                    throw error
                }
            case .wait(let stale):
                close(stale)
                guard await waitForAConnection() else {
                    // Busy: every connection is in use and stayed so. Nothing was sent: safe to retry.
                    throw LDAPError(kind: .result(.busy), operation: "waiting for a pooled connection", safeToRetry: true)
                }
            }
        }
    }

    /// Waits to be woken, at most `maxWait`; a cancelled request (client gone) stops waiting.
    private func waitForAConnection() async -> Bool {
        // Never past the request's own deadline.
        let wait = min(maxWait, RequestDeadline.remaining ?? maxWait)
        guard wait > .zero else { return false }
        let id = state.waiterQueued()
        let deadline = Task {
            try? await Task.sleep(for: wait)
            self.giveUp(id)
        }
        defer { deadline.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { waiters[id] = $0 }
        } onCancel: {
            Task { await self.giveUp(id) }
        }
    }

    private func giveUp(_ id: UInt64) {
        guard state.gaveUp(id) else { return }
        waiters.removeValue(forKey: id)?.resume(returning: false)
    }

    private func wake(_ waiter: UInt64?) {
        if let waiter { waiters.removeValue(forKey: waiter)?.resume(returning: true) }
    }

    private func close(_ connections: [LDAPConnection]) {
        for c in connections { Task { await c.close() } }
    }

    /// Requests waiting for a connection now (for /metrics and tests).
    var waiting: Int { state.waiting }

    private let openGauge = Gauge(label: "pwsync_directory_pool_connections", dimensions: [("state", "open")])
    private let inUseGauge = Gauge(label: "pwsync_directory_pool_connections", dimensions: [("state", "in_use")])
    private let waitersGauge = Gauge(label: "pwsync_directory_pool_waiters")

    private func report() {
        openGauge.record(state.open)
        inUseGauge.record(inUse)
        waitersGauge.record(state.waiting)
    }

    /// 1 while the last attempt to connect to this server succeeded, 0 after one failed.
    private func reportServer(_ options: LDAPConnectionOptions, up: Bool) {
        Gauge(label: "pwsync_directory_server_up", dimensions: [("url", options.url.description)]).record(up ? 1 : 0)
    }

    /// The connection's server timed out or went away: the connection is dropped and, where
    /// there is another server to use, this one is marked down.
    private func stoppedAnswering(_ lease: PoolState<LDAPConnection>.Lease) {
        discard(lease)
        if servers.count > 1 { serverDown(lease.server) }
    }

    private func release(_ lease: PoolState<LDAPConnection>.Lease) {
        wake(state.released(lease, now: .now))
    }

    private func discard(_ lease: PoolState<LDAPConnection>.Lease) {
        wake(state.removed())
        close([lease.connection])
    }

    /// The connection leaves the pool without being closed (its unanswered request may still be
    /// answered); its place is free at once, and its server is treated as one that stopped answering.
    private func detach(_ lease: PoolState<LDAPConnection>.Lease) {
        wake(state.removed())
        if servers.count > 1 { serverDown(lease.server) }
    }

    /// Tries the servers `state` offers, in its order; only "unreachable" moves on to the next
    /// (and marks that server down). A bad service password, a Kerberos identity the KDC refuses or
    /// an unencrypted channel is the same on every server, so it stops at once.
    private func connectAndBind(_ candidates: [Int]) async throws -> PoolState<LDAPConnection>.Lease {
        var last: (any Error)?
        for index in candidates {
            do {
                let (c, expiry) = try await connectAndBind(servers[index])
                serverUp(index)
                return state.opened(c, server: index, bindExpiry: expiry)
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
        throw last ?? LDAPError(kind: .result(.serverDown), operation: "connect")
    }

    private func connectAndBind(_ options: LDAPConnectionOptions) async throws -> (LDAPConnection, ContinuousClock.Instant?) {
        let c = try await LDAPConnection.connect(options)
        do {
            return (c, try await account.bind(c))
        } catch {
            await c.close()
            throw error
        }
    }

    private func serverUp(_ index: Int) {
        state.serverUp(index)
        probes.removeValue(forKey: index)?.cancel()
        reportServer(servers[index], up: true)
    }

    /// Marks the server down, closes its idle connections and, unless one is already waiting,
    /// starts its background retry.
    private func serverDown(_ index: Int) {
        let (retry, stale, wakes) = state.serverDown(index, now: .now, jitter: Double.random(in: 0.5...1))
        reportServer(servers[index], up: false)
        close(stale)
        wakes.forEach(wake)
        guard probes[index] == nil else { return }
        probes[index] = Task { [weak self] in await self?.probe(index, at: retry) }
    }

    /// Retries a down server at `retry`, and again after each failure, until it binds (then it is
    /// up, and its connection joins the idle pool when there is room) or the pool closes.
    private func probe(_ index: Int, at retry: ContinuousClock.Instant) async {
        var next = retry
        while !Task.isCancelled, state.health.isDown(index) {
            try? await Task.sleep(until: next, clock: .continuous)
            guard !Task.isCancelled, state.health.isDown(index) else { break }
            do {
                let (c, expiry) = try await connectAndBind(servers[index])
                state.serverUp(index)
                probes[index] = nil
                reportServer(servers[index], up: true)
                let (pooled, waiter) = state.probed(c, server: index, bindExpiry: expiry, now: .now)
                if pooled { wake(waiter) } else { await c.close() }
            } catch let e as LDAPError where e.isTransient {
                let (retry, stale, wakes) = state.serverDown(index, now: .now, jitter: Double.random(in: 0.5...1))
                close(stale)
                wakes.forEach(wake)
                next = retry
            } catch {
                // Reachable, but the bind failed: not this server's fault; requests will say why.
                state.serverUp(index)
                probes[index] = nil
                reportServer(servers[index], up: true)
            }
        }
    }
}
