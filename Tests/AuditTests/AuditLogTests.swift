import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import Audit
import Executors

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
        do {
            let log = try AuditLog(path: path)
            try await log.record(AuditEvent(.start))
            try await log.record(AuditEvent(.pushReceived, requestID: "r1", principal: "okta", userName: "alice", mode: .sync))
            // One writer at a time: a second one is refused while the first is alive.
            XCTAssertThrowsError(try AuditLog(path: path)) { XCTAssertTrue($0 is AuditLog.Locked, "\($0)") }
        }
        let reopened = try AuditLog(path: path)
        try await reopened.record(AuditEvent(.applied, requestID: "r1", outcome: .success, resultCode: 0))

        let ls = try lines()
        XCTAssertEqual(ls.count, 3)
        var prev = AuditLog.genesis
        for (i, l) in ls.enumerated() {
            let o = try object(l)
            XCTAssertEqual(o["seq"] as? Int, i + 1)
            XCTAssertEqual(o["prev"] as? String, prev)
            prev = AuditCoding.hash(Array(l.utf8))
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

    /// A record whose fsync failed is not in the log: the next record takes its place in the chain.
    func testFailedFsyncLeavesTheLogVerifiable() async throws {
        let failNext = Flag()
        do {
            let log = try AuditLog(path: path, options: .init(), clock: { Date() }, summary: nil,
                                   syncFile: { fd in failNext.take() ? -1 : fsync(fd) })
            try await log.record(AuditEvent(.start))
            failNext.set()
            do {
                try await log.record(AuditEvent(.pushReceived, userName: "alice"))
                XCTFail("a record whose fsync failed must not count as written")
            } catch {}
            let writable = await log.isWritable
            XCTAssertFalse(writable)
            try await log.record(AuditEvent(.pushReceived, userName: "bob"))
        }
        let ls = try lines()
        XCTAssertEqual(ls.count, 2, "the unsynced line was cut back")
        XCTAssertEqual(try object(ls[1])["seq"] as? Int, 2)
        XCTAssertEqual(try object(ls[1])["user_name"] as? String, "bob")
        XCTAssertNil(AuditVerifier.verify(files: [path]).problem)
        // A new writer continues from the same head.
        try await AuditLog(path: path).record(AuditEvent(.stop))
        XCTAssertNil(AuditVerifier.verify(files: [path]).problem)
    }

    /// A full disk (ENOSPC on write) leaves no partial line behind.
    func testFailedWriteLeavesNoPartialRecord() async throws {
        try await AuditLog(path: path).record(AuditEvent(.start))
        let before = try lines()
        let full = try AuditLog(path: "/dev/full")
        do {
            try await full.record(AuditEvent(.start))
            XCTFail("writing to a full device must throw")
        } catch {}
        XCTAssertEqual(try lines(), before)
    }

    /// Group commit: concurrent records share fsyncs, and each `record` returns only after an
    /// fsync that covered its own line.
    func testConcurrentRecordsShareFsyncsAndReturnOnlyWhenDurable() async throws {
        let synced = SyncLedger()
        let log = try AuditLog(path: path, options: .init(), clock: { Date() }, summary: nil, syncFile: { fd in
            var st = stat()
            fstat(fd, &st)
            usleep(2000)  // a slow disk, so records pile up behind the fsync in flight
            synced.add(Int(st.st_size))
            return fsync(fd)
        })
        let n = 60
        let seen = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for i in 0..<n {
                group.addTask {
                    try await log.record(AuditEvent(.applied, requestID: "r\(i)", userName: "u\(i)"))
                    return ("r\(i)", synced.max)
                }
            }
            return try await group.reduce(into: [String: Int]()) { $0[$1.0] = $1.1 }
        }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        var end = 0
        for line in data.split(separator: 0x0a, omittingEmptySubsequences: true) {
            end += line.count + 1
            let id = try XCTUnwrap(try object(String(decoding: line, as: UTF8.self))["request_id"] as? String)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(seen[id]), end, "\(id) returned before its line was synced")
        }
        XCTAssertEqual(seen.count, n)
        XCTAssertLessThan(synced.count, n, "records written during an fsync share the next one")
        XCTAssertNil(AuditVerifier.verify(files: [path]).problem)
    }

    /// `fsync` blocks; on the cooperative pool (two threads here) it would stall every other task.
    func testFileIORunsOnTheLogsOwnQueueNotTheCooperativePool() async throws {
        let queues = QueueLedger()
        let log = try AuditLog(path: path, options: .init(), clock: { Date() }, summary: nil, syncFile: { fd in
            queues.add(QueueExecutor.current ?? "not a QueueExecutor")
            return fsync(fd)
        })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 { group.addTask { try await log.record(AuditEvent(.applied, requestID: "r\(i)")) } }
            try await group.waitForAll()
        }
        try await log.sync()
        XCTAssertFalse(queues.labels.isEmpty)
        XCTAssertEqual(Set(queues.labels), ["pwsync.audit"], "every fsync on the audit log's own serial queue")
        XCTAssertEqual(try lines().count, 20)
    }

    func testHeadIsFoundFromTheEndOfALargeLog() async throws {
        let log = try AuditLog(path: path)
        for i in 0..<500 { try await log.record(AuditEvent(.applied, requestID: "r\(i)", userName: String(repeating: "u", count: 40))) }
        let last = try XCTUnwrap(try lines().last)
        let (seq, hash) = AuditLog.tail(of: path)
        XCTAssertEqual(seq, 500)
        XCTAssertEqual(hash, AuditCoding.hash(Array(last.utf8)))
    }
}

/// File sizes at each fsync.
final class SyncLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var sizes: [Int] = []
    func add(_ size: Int) { lock.withLock { sizes.append(size) } }
    var max: Int { lock.withLock { sizes.max() ?? 0 } }
    var count: Int { lock.withLock { sizes.count } }
}

final class QueueLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String] = []
    func add(_ label: String) { lock.withLock { seen.append(label) } }
    var labels: [String] { lock.withLock { seen } }
}

/// A one-shot switch shared with a `@Sendable` closure.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var on = false
    func set() { lock.withLock { on = true } }
    func take() -> Bool { lock.withLock { defer { on = false }; return on } }
}
