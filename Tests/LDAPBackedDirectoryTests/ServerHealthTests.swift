@testable import LDAPBackedDirectory
import XCTest

final class ServerHealthTests: XCTestCase {
    let t0 = ContinuousClock.now

    func testADownServerIsSkippedWhileAnotherIsUpAndComesLastOnceDue() {
        var h = ServerHealth(count: 3)
        XCTAssertEqual(h.candidates(at: t0), [0, 1, 2])
        let retry = h.failed(0, at: t0, jitter: 1)
        XCTAssertEqual(retry, t0 + .seconds(1))
        XCTAssertEqual(h.candidates(at: t0 + .milliseconds(500)), [1, 2], "skipped during its backoff")
        XCTAssertEqual(h.candidates(at: retry), [1, 2, 0], "tried again once due, after the servers that are up")
        h.succeeded(0)
        XCTAssertEqual(h.candidates(at: retry), [0, 1, 2])
    }

    func testWithEveryServerDownAllAreTriedSoonestFirst() {
        var h = ServerHealth(count: 2)
        h.failed(0, at: t0, jitter: 1)
        h.failed(0, at: t0, jitter: 1)  // second failure: 2 s
        h.failed(1, at: t0, jitter: 1)  // 1 s
        XCTAssertEqual(h.candidates(at: t0), [1, 0])
    }

    func testBackoffDoublesUpToTheCapAndJitterOnlyShortensIt() {
        var h = ServerHealth(count: 1, base: .seconds(1), cap: .seconds(60))
        var waits: [Duration] = []
        for _ in 0..<8 { waits.append(h.failed(0, at: t0, jitter: 1) - t0) }
        XCTAssertEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        var j = ServerHealth(count: 1)
        XCTAssertEqual(j.failed(0, at: t0, jitter: 0.5) - t0, .milliseconds(500))
        XCTAssertEqual(j.failed(0, at: t0, jitter: 7) - t0, .seconds(2), "jitter never lengthens the backoff")
        XCTAssertEqual(j.down[0]?.failures, 2)
    }
}
