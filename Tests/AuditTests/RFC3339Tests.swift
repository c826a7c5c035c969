import Foundation
import XCTest
@testable import Audit

final class RFC3339Tests: XCTestCase {
    func testParsesWhatTheLogWritesAndWhatOperatorsType() throws {
        let t = Date(timeIntervalSince1970: 1_764_393_773.123)
        XCTAssertEqual(try XCTUnwrap(RFC3339.parse(RFC3339.string(t))).timeIntervalSince1970, t.timeIntervalSince1970, accuracy: 0.0005)
        XCTAssertEqual(RFC3339.parse("2025-11-29T05:22:53Z")?.timeIntervalSince1970, 1_764_393_773)
        XCTAssertEqual(RFC3339.parse("2025-11-29T07:22:53+02:00")?.timeIntervalSince1970, 1_764_393_773)
        XCTAssertEqual(RFC3339.parse("2025-11-29")?.timeIntervalSince1970, 1_764_374_400)
        // Agrees with Foundation's formatter on a spread of instants.
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        for _ in 0..<200 {
            let d = Date(timeIntervalSince1970: Double(Int.random(in: 0..<4_000_000_000)))
            XCTAssertEqual(RFC3339.parse(f.string(from: d)), d)
        }
    }

    func testRefusesWhatIsNotATime() {
        for s in ["", "2025", "2025-13-01", "2025-02-30", "2025-11-29T25:00:00Z", "2025-11-29T05:22:53", "2025-11-29T05:22:53Zjunk",
                  "2025-11-29T05:22:53.Z", "yesterday", "2025-11-29 05:22:53Z"] {
            XCTAssertNil(RFC3339.parse(s), s)
        }
    }
}
