import LDAP
import Secrets

/// Bound service-account connections, reused across pushes (no connect+bind per request), with
/// failover across the configured servers and a cap on how many are open at once.
actor ConnectionPool {
    private let servers: [LDAPConnectionOptions]
    private let bindDN: String
    private let bindPassword: Secret
    private let maxSize: Int
    private var idle: [LDAPConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(servers: [LDAPConnectionOptions], bindDN: String, bindPassword: Secret, maxSize: Int) {
        self.servers = servers
        self.bindDN = bindDN
        self.bindPassword = bindPassword
        self.maxSize = max(1, maxSize)
    }

    /// Runs `body` on a bound connection. A pooled connection the server dropped while idle is
    /// replaced once by a fresh one (a write that failed with "server down" was never sent).
    func withConnection<T: Sendable>(_ body: @Sendable (LDAPConnection) async throws -> T) async throws -> T {
        var (conn, reused) = try await acquire()
        while true {
            do {
                let result = try await body(conn)
                release(conn)
                return result
            } catch let e as LDAPError where reused && e.resultCode == -1 {
                discard(conn)
                (conn, reused) = try await acquire(fresh: true)
            } catch {
                if conn.isUsable { release(conn) } else { discard(conn) }
                throw error
            }
        }
    }

    func closeAll() async {
        let all = idle
        idle.removeAll()
        for c in all { await c.close(); open -= 1 }
    }

    private func acquire(fresh: Bool = false) async throws -> (LDAPConnection, Bool) {
        if !fresh, let c = idle.popLast() {
            if c.isUsable { return (c, true) }
            open -= 1
        }
        while open >= maxSize {
            if let c = idle.popLast() {
                if c.isUsable && !fresh { return (c, true) }
                open -= 1
                continue
            }
            await withCheckedContinuation { waiters.append($0) }
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

    private func release(_ c: LDAPConnection) {
        idle.append(c)
        wakeOne()
    }

    private func discard(_ c: LDAPConnection) {
        open -= 1
        Task { await c.close() }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    /// Tries each server in order; only "unreachable" moves on to the next. A bad service password or
    /// an unencrypted channel is the same on every server, so it stops at once.
    private func connectAndBind() async throws -> LDAPConnection {
        var last: (any Error)?
        for options in servers {
            do {
                let c = try await LDAPConnection.connect(options)
                do {
                    try await c.simpleBind(dn: bindDN, password: bindPassword)
                } catch {
                    await c.close()
                    throw error
                }
                return c
            } catch let e as LDAPError where e.isTransient {
                last = e
                continue
            }
        }
        throw last ?? LDAPError(kind: .result(-1), operation: "connect")
    }
}
