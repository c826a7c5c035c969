@testable import Audit
import XCTest

/// The group commit's decisions without a file: when an fsync is scheduled, whom it covers, and
/// whom a failed one fails. Each test runs in microseconds.
final class GroupCommitTests: XCTestCase {
    func testOneFsyncAtATimeCoversEveryoneWrittenBeforeItStarts() {
        var g = GroupCommit(durableSeq: 5)
        XCTAssertEqual(g.written(6, by: 1), .scheduleSync, "no fsync pending: the writer schedules one")
        XCTAssertEqual(g.written(7, by: 2), .wait, "one fsync at a time")
        XCTAssertEqual(g.written(8, by: 3), .wait)
        // The fsync started once all three were written: it covers them all.
        XCTAssertEqual(g.synced(upTo: 8, succeeded: true), GroupCommit.Outcome(done: [1, 2, 3], failed: [], syncAgain: false))
        XCTAssertEqual(g.durableSeq, 8)
        XCTAssertFalse(g.syncing)
        XCTAssertEqual(g.written(8, by: 4), .done, "already on disk")
    }

    func testWritersAfterTheFsyncStartedShareTheNextOne() {
        var g = GroupCommit(durableSeq: 5)
        XCTAssertEqual(g.written(6, by: 1), .scheduleSync)
        XCTAssertEqual(g.written(7, by: 2), .wait)
        // This fsync started after 6 only.
        XCTAssertEqual(g.synced(upTo: 6, succeeded: true), GroupCommit.Outcome(done: [1], failed: [], syncAgain: true))
        XCTAssertTrue(g.syncing, "the next fsync is scheduled for writer 2")
        XCTAssertEqual(g.written(8, by: 3), .wait, "and writer 3 shares it")
        XCTAssertEqual(g.synced(upTo: 8, succeeded: true), GroupCommit.Outcome(done: [2, 3], failed: [], syncAgain: false))
    }

    func testAFailedFsyncFailsExactlyTheRecordsAfterTheDurableMark() {
        var g = GroupCommit(durableSeq: 5)
        XCTAssertEqual(g.written(6, by: 1), .scheduleSync)
        XCTAssertEqual(g.written(7, by: 2), .wait)
        XCTAssertEqual(g.written(8, by: 3), .wait)
        XCTAssertEqual(g.synced(upTo: 8, succeeded: false), GroupCommit.Outcome(done: [], failed: [1, 2, 3], syncAgain: false))
        XCTAssertEqual(g.durableSeq, 5, "nothing after 5 is known to be on disk")
        XCTAssertEqual(g.waitingCount, 0)
        // The chain goes on from 5: the next record (6 again) schedules a new fsync.
        XCTAssertEqual(g.written(6, by: 4), .scheduleSync)
    }

    func testAFsyncThatEndsBehindTheDurableMarkFailsNoOne() {
        var g = GroupCommit(durableSeq: 5)
        XCTAssertEqual(g.written(6, by: 1), .scheduleSync)
        XCTAssertEqual(g.written(7, by: 2), .wait)
        XCTAssertEqual(g.markDurable(7), [1, 2], "a direct sync (before a rotation) covered both")
        XCTAssertEqual(g.synced(upTo: 6, succeeded: false), GroupCommit.Outcome(), "already durable: no failure")
        XCTAssertEqual(g.durableSeq, 7)
    }

    func testADirectSyncThatFailsFailsEveryWaiter() {
        var g = GroupCommit(durableSeq: 0)
        XCTAssertEqual(g.written(1, by: 1), .scheduleSync)
        XCTAssertEqual(g.written(2, by: 2), .wait)
        XCTAssertEqual(g.cutBack(), [1, 2])
        XCTAssertEqual(g.synced(upTo: 0, succeeded: true).done, [], "nobody is left waiting")
    }
}
