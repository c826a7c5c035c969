import Directory
import Fakes
import Foundation
import PasswordSync
import SCIM
import Secrets
import XCTest
@testable import Audit

/// `verify` against every kind of tampering, across rotated files; rotation, reopen and batching
/// keep one unbroken chain; parallel pushes give one record per decision.
final class AuditChainTests: XCTestCase {
    var dir: String!
    var path: String { "\(dir!)/audit.jsonl" }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "audit-chain-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Three files (two size rotations) of `n` records.
    func makeLog(_ n: Int = 30, maxBytes: Int = 2000) async throws -> [String] {
        let log = try AuditLog(path: path, options: .init(maxBytes: maxBytes, keep: 5))
        for i in 0..<n {
            try await log.record(AuditEvent(.applied, requestID: "r\(i)", principal: "okta", userName: "user\(i % 3)", outcome: .success))
        }
        return AuditVerifier.chainFiles(for: path)
    }

    func lines(_ file: String) throws -> [String] {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func write(_ file: String, _ lines: [String]) throws {
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }

    func testUntouchedMultiFileLogVerifiesAndRotationContinuesTheChain() async throws {
        let files = try await makeLog()
        XCTAssertGreaterThanOrEqual(files.count, 3, "size rotation made several files")
        XCTAssertEqual(files.last, path)
        let report = AuditVerifier.verify(files: files)
        XCTAssertNil(report.problem)
        XCTAssertEqual(report.records, 30)
        // The first record of each newer file carries the hash of the last record before it.
        let older = try lines(files[0]).filter { !$0.isEmpty }
        let next = try XCTUnwrap(try lines(files[1]).first)
        XCTAssertTrue(next.contains("\"prev\":\"\(AuditCoding.hash(Array(older.last!.utf8)))\""))
    }

    func testEditedByteIsCaughtAtTheNextRecord() async throws {
        let files = try await makeLog()
        var ls = try lines(files[1])
        ls[1] = ls[1].replacingOccurrences(of: "\"user_name\":\"user", with: "\"user_name\":\"uber")
        try write(files[1], ls)
        let p = try XCTUnwrap(AuditVerifier.verify(files: files).problem)
        XCTAssertEqual(p.kind, .edited)
        XCTAssertEqual(p.file, files[1])
        XCTAssertEqual(p.line, 3)
        XCTAssertTrue(p.message.contains("\(files[1]):2"), p.message)
    }

    func testDeletedLineIsReportedAsMissing() async throws {
        let files = try await makeLog()
        var ls = try lines(files[0])
        ls.remove(at: 2)
        try write(files[0], ls)
        let p = try XCTUnwrap(AuditVerifier.verify(files: files).problem)
        XCTAssertEqual(p.kind, .missing)
        XCTAssertEqual(p.file, files[0])
        XCTAssertEqual(p.line, 3)
        XCTAssertTrue(p.message.contains("3…3"), p.message)
    }

    func testSwappedLinesAreReported() async throws {
        let files = try await makeLog()
        var ls = try lines(files[2])
        ls.swapAt(0, 1)
        try write(files[2], ls)
        let p = try XCTUnwrap(AuditVerifier.verify(files: files).problem)
        XCTAssertEqual(p.file, files[2])
        XCTAssertEqual(p.line, 1)
        XCTAssertTrue([.missing, .reordered].contains(p.kind), "\(p)")
    }

    func testTruncatedTailIsReported() async throws {
        let files = try await makeLog()
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        try data.prefix(data.count - 25).write(to: URL(fileURLWithPath: path))
        let p = try XCTUnwrap(AuditVerifier.verify(files: files).problem)
        XCTAssertEqual(p.kind, .truncated)
        XCTAssertEqual(p.file, path)
    }

    func testDroppedRotatedFileIsReported() async throws {
        var files = try await makeLog()
        files.remove(at: 1)
        let p = try XCTUnwrap(AuditVerifier.verify(files: files).problem)
        XCTAssertEqual(p.kind, .missing)
        XCTAssertEqual(p.line, 1)
        XCTAssertTrue(p.message.contains("rotated file"), p.message)
        // Dropping the oldest is caught too, unless the reviewer says older files were deleted on purpose.
        let withoutOldest = Array(AuditVerifier.chainFiles(for: path).dropFirst())
        XCTAssertEqual(AuditVerifier.verify(files: withoutOldest).problem?.kind, .startsMidChain)
        XCTAssertNil(AuditVerifier.verify(files: withoutOldest, partial: true).problem)
    }

    func testReopenAfterRenameContinuesTheChainInTheNewFile() async throws {
        do {
            let log = try AuditLog(path: path, options: .init(sync: .batched(records: 4, interval: .seconds(60))))
            try await log.record(AuditEvent(.start))
            try await log.record(AuditEvent(.applied, userName: "alice"))
            XCTAssertEqual(rename(path, "\(path).1"), 0)  // what logrotate does
            try await log.reopen()
            try await log.record(AuditEvent(.reopen))
            try await log.sync()
        }
        // A new process starting on the fresh file continues from the rotated one.
        let restarted = try AuditLog(path: path)
        try await restarted.record(AuditEvent(.stop))
        let report = AuditVerifier.verify(files: AuditVerifier.chainFiles(for: path))
        XCTAssertNil(report.problem)
        XCTAssertEqual(report.records, 4)
        XCTAssertEqual(try lines(path).filter { !$0.isEmpty }.count, 2)
    }

    func testParallelPushesLeaveOneRecordPerDecisionAndAVerifiableChain() async throws {
        let users = (0..<20).map { DirectoryUser(id: UUID().uuidString.lowercased(), dn: "uid=u\($0),dc=test", userName: "u\($0)") }
        let state = FakeDirectoryState(users: users)
        let log = try AuditLog(path: path)
        let service = PasswordSyncService(directory: FakeDirectory(state: state), audit: log)
        let n = 200
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<n {
                group.addTask {
                    let change = AccountChange(password: Secret("P-\(i)-Abc123!"), form: .patchValue)
                    _ = try? await service.updateUser(id: users[i % users.count].id, change: change,
                                                      request: RequestInfo(requestID: "r\(i)", client: "192.0.2.1", principal: "okta"),
                                                      operation: .patchUser)
                }
            }
        }
        let report = AuditVerifier.verify(files: [path])
        XCTAssertNil(report.problem)
        XCTAssertEqual(report.records, 2 * n, "push_received + applied for every push")
        let records = AuditReview.read(files: [path])
        XCTAssertEqual(Set(records.compactMap(\.event.requestID)).count, n)
        let writes = await state.writes
        XCTAssertEqual(writes.count, n)
        let stats = AuditReview.stats(records)
        XCTAssertEqual(stats.byOutcome.first?.0, "applied/success")
        XCTAssertEqual(stats.byOutcome.first?.1, n)
    }

    func testShowFiltersAndAlignsColumns() async throws {
        let log = try AuditLog(path: path)
        try await log.record(AuditEvent(.applied, principal: "okta", userName: "alice", outcome: .success))
        try await log.record(AuditEvent(.rejected, principal: "okta", userName: "bob", outcome: .failure, reason: .policyViolation))
        let records = AuditReview.read(files: [path])
        let bob = records.filter(AuditReview.Filter(user: "BOB").matches)
        XCTAssertEqual(bob.count, 1)
        XCTAssertEqual(records.filter(AuditReview.Filter(outcome: "failure").matches).count, 1)
        XCTAssertEqual(records.filter(AuditReview.Filter(since: Date().addingTimeInterval(3600)).matches).count, 0)
        let table = AuditReview.table(records, color: false).split(separator: "\n")
        XCTAssertEqual(table.count, 3)
        let userColumn = table.map { $0.range(of: $0 == table[0] ? "USER" : ($0.contains("alice") ? "alice" : "bob"))!.lowerBound.utf16Offset(in: $0) }
        XCTAssertEqual(Set(userColumn).count, 1, "columns are aligned")
        XCTAssertTrue(AuditReview.table(records, color: true).contains("\u{1B}[31m"))
    }
}
