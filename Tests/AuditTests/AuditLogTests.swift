import Foundation
import XCTest
@testable import Audit

final class AuditLogTests: XCTestCase {
    var path: String!

    override func setUp() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl").path
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: path) }

    func lines() throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func object(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testChainAcrossReopenAndFileMode() async throws {
        let log = try AuditLog(path: path)
        try await log.record(AuditEvent(.start))
        try await log.record(AuditEvent(.pushReceived, requestID: "r1", principal: "okta", userName: "alice", mode: "sync"))
        let reopened = try AuditLog(path: path)
        try await reopened.record(AuditEvent(.applied, requestID: "r1", outcome: "success", resultCode: 0))

        let ls = try lines()
        XCTAssertEqual(ls.count, 3)
        var prev = AuditLog.genesis
        for (i, l) in ls.enumerated() {
            let o = try object(l)
            XCTAssertEqual(o["seq"] as? Int, i + 1)
            XCTAssertEqual(o["prev"] as? String, prev)
            prev = AuditLog.hash(l)
        }
        XCTAssertEqual(try object(ls[1])["user_name"] as? String, "alice")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode.map { $0 & 0o777 }.map { $0 & ~0o640 }, 0, "no permission beyond 0640")
    }

    func testTimeIsRFC3339UTCWithMilliseconds() async throws {
        let log = try AuditLog(path: path, clock: { Date(timeIntervalSince1970: 1_764_393_773.123) })
        try await log.record(AuditEvent(.start))
        XCTAssertEqual(try object(try lines()[0])["time"] as? String, "2025-11-29T05:22:53.123Z")
    }

    func testUnwritableLogThrows() async throws {
        XCTAssertThrowsError(try AuditLog(path: "/nonexistent-dir/audit.jsonl"))
    }
}
