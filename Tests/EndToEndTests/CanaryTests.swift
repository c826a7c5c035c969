import Foundation
import TestSupport
import XCTest

/// The scanner every canary check relies on finds each form of a leaked password, wherever it is
/// in a file: a scanner that never finds anything would make every canary test pass.
final class CanaryTests: XCTestCase {
    func testTheScannerFindsEveryFormAnywhereAndNothingElse() throws {
        let pw = Canary.make("scan")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let padding = [UInt8](repeating: UInt8(ascii: "C"), count: 100_000)  // the canaries' first byte, everywhere
        for (name, bytes) in Canary.forms(pw) {
            for (place, content) in [("start", bytes + padding), ("middle", padding + bytes + padding), ("end", padding + bytes)] {
                let file = "\(dir)/\(name)-\(place)"
                FileManager.default.createFile(atPath: file, contents: Data(content))
                XCTAssertEqual(Canary.scan(files: [file], for: [pw]).count, 1, "\(name) at the \(place)")
            }
        }
        let clean = "\(dir)/clean"
        FileManager.default.createFile(atPath: clean, contents: Data(padding + Array(pw.utf8.dropLast()) + padding))
        XCTAssertEqual(Canary.scan(files: [clean], for: [pw]), [], "a prefix is no hit")
    }
}
