@testable import Server
import XCTest

/// The guard's rules without a channel or a clock: each test runs in microseconds.
final class ConnectionGuardStateTests: XCTestCase {
    let timeouts = ConnectionGuardState.Timeouts(handshake: .seconds(10), head: .seconds(11), body: .seconds(30), idle: .seconds(60))

    func testEachPhaseArmsItsOwnTimeout() {
        var s = ConnectionGuardState(timeouts: timeouts)
        XCTAssertEqual(s.started(admitted: true), .arm(.seconds(10)), "handshake")
        XCTAssertEqual(s.handshakeCompleted(), .arm(.seconds(11)), "head")
        XCTAssertEqual(s.requestHead(channelActive: true), .forward(arm: .seconds(30)), "body")
        XCTAssertEqual(s.requestBody(), .forward(arm: nil))
        XCTAssertEqual(s.requestEnd(), .forwardAndDisarm, "the response is the server's: no timer")
        XCTAssertEqual(s.responseHead(connectionClose: false), .write(arm: nil))
        XCTAssertEqual(s.responseEnd(), .write(arm: .seconds(60)), "idle keep-alive")
        XCTAssertEqual(s.started(admitted: true), .none, "started once")
    }

    func testARefusedConnectionIsClosedAndHoldsNoPlace() {
        var s = ConnectionGuardState(timeouts: timeouts)
        XCTAssertEqual(s.started(admitted: false), .close)
        XCTAssertEqual(s.ended(), .finish(release: false), "it never held a place")
    }

    func testARequestReadAfterTheCloseIsDroppedWhole() {
        var s = ConnectionGuardState(timeouts: timeouts)
        _ = s.started(admitted: true)
        XCTAssertEqual(s.timedOut(), .close)
        XCTAssertEqual(s.requestHead(channelActive: true), .drop, "closing: TLS may still deliver buffered records")
        XCTAssertEqual(s.requestBody(), .drop)
        XCTAssertEqual(s.requestEnd(), .drop)
        var inactive = ConnectionGuardState(timeouts: timeouts)
        _ = inactive.started(admitted: true)
        XCTAssertEqual(inactive.requestHead(channelActive: false), .drop, "decoded on channelInactive")
    }

    func testConnectionCloseFreesThePlaceOnceBeforeTheCloseCompletes() {
        var s = ConnectionGuardState(timeouts: timeouts)
        _ = s.started(admitted: true)
        _ = s.requestHead(channelActive: true)
        _ = s.requestEnd()
        XCTAssertEqual(s.responseHead(connectionClose: true), .write(arm: nil))
        XCTAssertEqual(s.responseBody(), .write(arm: nil))
        XCTAssertEqual(s.responseEnd(), .writeAndClose(release: true))
        XCTAssertTrue(s.closing)
        XCTAssertEqual(s.ended(), .finish(release: false), "released once, not again when the channel goes")
        XCTAssertEqual(s.requestHead(channelActive: true), .drop, "nothing after the close")
    }

    func testAConnectionThatEndsGivesItsPlaceBackOnce() {
        var s = ConnectionGuardState(timeouts: timeouts)
        _ = s.started(admitted: true)
        XCTAssertEqual(s.ended(), .finish(release: true))
        XCTAssertEqual(s.ended(), .finish(release: false), "inactive, then removed: one release")
    }
}
