@testable import LDAPBackedDirectory
import XCTest

/// The pool's decisions with a manual clock and stand-in connections (numbers): no server, no
/// root, each test in microseconds.
final class PoolStateTests: XCTestCase {
    let t0 = ContinuousClock.now

    func testOpensUpToTheCapThenRequestsWaitAndARelaseWakesTheFirst() {
        var p = PoolState<Int>(servers: 1, maxSize: 2)
        guard case .open(let servers, _) = p.acquire(now: t0) else { return XCTFail("open") }
        XCTAssertEqual(servers, [0])
        let a = p.opened(1, server: 0, bindExpiry: nil)
        guard case .open = p.acquire(now: t0) else { return XCTFail("second") }
        _ = p.opened(2, server: 0, bindExpiry: nil)
        guard case .wait = p.acquire(now: t0) else { return XCTFail("at the cap: wait") }
        let first = p.waiterQueued(), second = p.waiterQueued()
        XCTAssertEqual(p.released(a, now: t0), first, "arrival order")
        guard case .reuse(let lease, let close) = p.acquire(now: t0) else { return XCTFail("the released one") }
        XCTAssertEqual(lease.connection, 1)
        XCTAssertEqual(close, [])
        XCTAssertEqual(p.waiting, 1)
        XCTAssertEqual(p.removed(), second, "a dead connection frees its place too")
        XCTAssertEqual(p.open, 1)
    }

    func testAWaiterPastItsDeadlineIsNeverWoken() {
        var p = PoolState<Int>(servers: 1, maxSize: 1)
        guard case .open = p.acquire(now: t0) else { return XCTFail() }
        let lease = p.opened(1, server: 0, bindExpiry: nil)
        let late = p.waiterQueued(), next = p.waiterQueued()
        XCTAssertTrue(p.gaveUp(late), "its deadline: it stops waiting")
        XCTAssertFalse(p.gaveUp(late), "once")
        XCTAssertEqual(p.released(lease, now: t0), next, "the connection goes to the one still waiting")
    }

    func testStaleExpiredOrUnwantedConnectionsAreClosedNotReused() {
        var p = PoolState<Int>(servers: 1, maxSize: 4, maxIdle: .seconds(300))
        var leases: [PoolState<Int>.Lease] = []
        for (n, expiry) in [(1, nil), (2, t0 + .seconds(10)), (3, nil)] as [(Int, ContinuousClock.Instant?)] {
            guard case .open = p.acquire(now: t0) else { return XCTFail("open \(n)") }
            leases.append(p.opened(n, server: 0, bindExpiry: expiry))
        }
        for lease in leases { _ = p.released(lease, now: lease.connection == 1 ? t0 : t0 + .seconds(200)) }
        // At t0 + 301 s: 3 is fresh enough; 2's bind expired; 1 idled past maxIdle.
        guard case .reuse(let lease, let close) = p.acquire(now: t0 + .seconds(301)) else { return XCTFail() }
        XCTAssertEqual(lease.connection, 3)
        XCTAssertEqual(close, [])
        guard case .open(_, let closed) = p.acquire(now: t0 + .seconds(301)) else { return XCTFail("none left to reuse") }
        XCTAssertEqual(closed, [2, 1])
        XCTAssertEqual(p.open, 2, "3 in use and the one being opened")
        guard case .open(_, let none) = p.acquire(now: t0, fresh: true) else { return XCTFail() }
        XCTAssertEqual(none, [])
    }

    /// A server that stopped answering is skipped by the next connections (never the timeout
    /// twice), its idle connections are closed, and it is tried again after its back-off.
    func testAServerMarkedDownIsSkippedAndProbedBack() {
        var p = PoolState<Int>(servers: 2, maxSize: 4)
        guard case .open(let first, _) = p.acquire(now: t0) else { return XCTFail() }
        XCTAssertEqual(first, [0, 1])
        let onA = p.opened(10, server: 0, bindExpiry: nil)
        guard case .open = p.acquire(now: t0) else { return XCTFail() }
        let onB = p.opened(20, server: 1, bindExpiry: nil)
        _ = p.released(onA, now: t0)
        let waiter = p.waiterQueued()
        let (retry, close, wake) = p.serverDown(0, now: t0, jitter: 1)
        XCTAssertEqual(close, [10], "a blackholed server's idle sockets look alive: closed")
        XCTAssertEqual(wake, [waiter], "its place is free")
        XCTAssertEqual(retry, t0 + .seconds(1), "back-off base")
        _ = p.released(onB, now: t0)
        guard case .reuse(let lease, _) = p.acquire(now: t0) else { return XCTFail() }
        XCTAssertEqual(lease.server, 1)
        guard case .open(let candidates, _) = p.acquire(now: t0 + .milliseconds(500)) else { return XCTFail() }
        XCTAssertEqual(candidates, [1], "the down server is not tried while the other is up")
        guard case .open(let later, _) = p.acquire(now: t0 + .seconds(2)) else { return XCTFail() }
        XCTAssertEqual(later, [1, 0], "after its back-off, last")
        let (pooled, _) = p.probed(30, server: 0, bindExpiry: nil, now: t0 + .seconds(2))
        p.serverUp(0)
        XCTAssertTrue(pooled)
        XCTAssertFalse(p.onDownServer(0))
        guard case .open(let back, _) = p.acquire(now: t0 + .seconds(3), fresh: true) else { return XCTFail() }
        XCTAssertEqual(back, [0, 1], "probed back: first again")
    }

    func testWithOneServerNothingIsClosedWhenItGoesDown() {
        var p = PoolState<Int>(servers: 1, maxSize: 2)
        guard case .open = p.acquire(now: t0) else { return XCTFail() }
        _ = p.released(p.opened(1, server: 0, bindExpiry: nil), now: t0)
        let (_, close, _) = p.serverDown(0, now: t0, jitter: 1)
        XCTAssertEqual(close, [], "nowhere else to go: its connections are kept")
        guard case .reuse = p.acquire(now: t0) else { return XCTFail("still reused") }
        XCTAssertEqual(p.drain(), [])
    }
}
