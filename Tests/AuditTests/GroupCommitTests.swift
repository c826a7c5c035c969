@testable import Audit
import XCTest

/// The group commit's decisions without a file: who leads the next fsync, whom it covers, and
/// whom a failed one fails. Each test runs in microseconds.
final class GroupCommitTests: XCTestCase {
    func testOneLeaderAtATimeAndTheFirstWaiterLeadsNext() {
        var g = GroupCommit(durableSeq: 5)
        XCTAssertEqual(g.written(6, by: 1), .lead, "no fsync running: the writer leads one")
        XCTAssertEqual(g.written(7, by: 2), .wait, "one fsync at a time")
        XCTAssertEqual(g.written(8, by: 3), .wait)
        // The leader's fsync covered what was written when it started (up to 6).
        let first = g.synced(upTo: 6, succeeded: true)
        XCTAssertEqual(first, GroupCommit.Outcome(done: [], failed: [], nextLeader: 2, leaderFailed: false))
        XCTAssertEqual(g.durableSeq, 6)
        XCTAssertTrue(g.syncing, "the next leader's fsync")
        // Writer 2 leads with everything written so far (up to 8): writer 3 is covered by it.
        let second = g.synced(upTo: 8, succeeded: true)
        XCTAssertEqual(second, GroupCommit.Outcome(done: [3], failed: [], nextLeader: nil, leaderFailed: false))
        XCTAssertFalse(g.syncing)
        XCTAssertEqual(g.written(8, by: 4), .done, "already on disk")
    }

    func testAFailedFsyncFailsExactlyTheRecordsAfterTheDurableMark() {
        var g = GroupCommit(durableSeq: 5)
        XCTAssertEqual(g.written(6, by: 1), .lead)
        XCTAssertEqual(g.written(7, by: 2), .wait)
        XCTAssertEqual(g.written(8, by: 3), .wait)
        let failed = g.synced(upTo: 6, succeeded: false)
        XCTAssertEqual(failed, GroupCommit.Outcome(done: [], failed: [2, 3], nextLeader: nil, leaderFailed: true))
        XCTAssertEqual(g.durableSeq, 5, "nothing after 5 is known to be on disk")
        XCTAssertEqual(g.waitingCount, 0)
        // The chain goes on from 5: the next record (6 again) leads a new fsync.
        XCTAssertEqual(g.written(6, by: 4), .lead)
    }

    func testAFsyncThatEndsBehindTheDurableMarkChangesNothingButTheLeader() {
        var g = GroupCommit(durableSeq: 5)
        XCTAssertEqual(g.written(6, by: 1), .lead)
        XCTAssertEqual(g.written(7, by: 2), .wait)
        XCTAssertEqual(g.markDurable(7), [2], "a direct sync (before a rotation) covered both")
        XCTAssertEqual(g.synced(upTo: 6, succeeded: false), GroupCommit.Outcome(), "already durable: no failure")
        XCTAssertEqual(g.durableSeq, 7)
    }

    func testADirectSyncThatFailsFailsEveryWaiter() {
        var g = GroupCommit(durableSeq: 0)
        XCTAssertEqual(g.written(1, by: 1), .lead)
        XCTAssertEqual(g.written(2, by: 2), .wait)
        XCTAssertEqual(g.cutBack(), [2])
        XCTAssertEqual(g.synced(upTo: 1, succeeded: true).done, [], "nobody is left waiting")
    }
}
