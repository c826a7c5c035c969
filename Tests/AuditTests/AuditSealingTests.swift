import Foundation
import XCTest
@testable import Audit

/// Forward-secure sealing with a controllable clock: a log sealed across epochs verifies with the
/// key, and each way an intruder holding today's key could rewrite the past is caught and located.
final class AuditSealingTests: XCTestCase {
    let t0: Int64 = 1_800_000_000
    let interval: Int64 = 60
    var dir: String!
    var path: String { "\(dir!)/audit.jsonl" }
    var keyPath: String { "\(dir!)/seal.key" }
    var vk: VerificationKey!
    let clock = Clock()
    let anchors = Anchors()

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "pwsync-seal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (vk, k0) = VerificationKey.generate(start: t0, interval: interval)
        self.vk = vk
        try SealKeyFile.create(keyPath, k0)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func openLog() throws -> AuditLog {
        let anchors = self.anchors
        return try AuditLog(path: path, clock: { [clock] in clock.now },
                            sealing: .init(key: try SealKeyFile.load(keyPath), keyFile: keyPath,
                                           anchor: { e, s, h in anchors.add(.init(epoch: e, seq: s, hash: h)) }))
    }

    /// Two records in each of epochs 0, 1, 2, 4, 5 (3 stays idle), written at `t0 + 60e + 10…`.
    func writeSixEpochs() async throws -> AuditLog {
        let log = try openLog()
        for epoch in [0, 1, 2, 4, 5] {
            for k in 0..<2 {
                clock.set(t0 + interval * Int64(epoch) + 10 + Int64(k))
                try await log.record(AuditEvent(.applied, principal: "okta", userName: "user\(epoch)-\(k)", outcome: .success))
            }
        }
        return log
    }

    func lines() throws -> [String] { try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init) }
    func write(_ lines: [String]) throws { try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8) }
    func record(_ line: String) -> AuditEvent { AuditCoding.record(Array(line.utf8))! }

    /// What an intruder with the on-disk key can do: rewrite `lines` from `start`, recomputing the
    /// chain and re-sealing what the current key can seal; older seals are kept as they were.
    func rechain(_ lines: [String], from start: Int) throws -> [String] {
        let stolen = try SealKeyFile.load(keyPath)
        var out = lines
        for j in start..<out.count {
            var r = record(out[j])
            r.prev = j == 0 ? AuditLog.genesis : AuditCoding.hash(Array(out[j - 1].utf8))
            r.seq = UInt64(j + 1)
            let oldMAC = AuditCoding.split(Array(out[j].utf8))!.mac
            let payload = AuditCoding.payload(r)
            let mac = r.epoch == stolen.epoch ? stolen.mac(payload) : oldMAC
            out[j] = String(decoding: AuditCoding.sealed(payload, mac: mac), as: UTF8.self)
        }
        return out
    }

    func verify(key: VerificationKey? = nil, anchors: [AuditVerifier.Anchor] = []) -> AuditVerifier.Report {
        AuditVerifier.verify(files: [path], key: key ?? vk, anchors: anchors, now: clock.now)
    }

    func testALogSealedAcrossSixEpochsVerifies() async throws {
        _ = try await writeSixEpochs()
        let report = verify(anchors: anchors.all)
        XCTAssertNil(report.problem)
        let n = try lines().count
        XCTAssertEqual(n, 10 + 4, "ten records and a closing seal for each of epochs 0, 1, 2, 4")
        XCTAssertEqual(report.sealedRecords, n)
        XCTAssertEqual(report.lastSealedEpoch, 5)
        XCTAssertEqual(report.anchorsMatched, 4)
        XCTAssertEqual(anchors.all.map(\.epoch), [0, 1, 2, 4])
        XCTAssertEqual(try lines().filter { record($0).event == .seal }.map { record($0).epoch }, [0, 1, 2, 4])
        XCTAssertTrue(report.notes.isEmpty, "\(report.notes)")
        // The chain alone still verifies without the key.
        XCTAssertNil(AuditVerifier.verify(files: [path]).problem)
    }

    func testOnDiskKeyCannotSealAnEarlierEpoch() async throws {
        _ = try await writeSixEpochs()
        let onDisk = try SealKeyFile.load(keyPath)
        XCTAssertEqual(onDisk.epoch, 5)
        let payload = Array(#"{"epoch":4,"event":"applied"}"#.utf8)
        // Try: the on-disk key's MAC for epoch 4 content is not epoch 4's MAC.
        var epoch4 = vk.sealKey()
        epoch4.evolve(to: 4)
        XCTAssertFalse(epoch4.verify(onDisk.mac(payload), over: payload))
        // The on-disk key is epoch 5's, exactly: it is the only one it can stand for.
        var epoch5 = epoch4
        epoch5.evolve(to: 5)
        XCTAssertTrue(epoch5.verify(onDisk.mac(payload), over: payload))
        // And the file holds nothing else: one line of fixed length.
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: keyPath)).count, SealKeyFile.lineLength)
    }

    func testEditedOldRecordWithChainRecomputedIsCaught() async throws {
        _ = try await writeSixEpochs()
        var ls = try lines()
        let target = ls.firstIndex { record($0).userName == "user1-0" }!
        var r = record(ls[target])
        r.principal = "intruder"
        ls[target] = String(decoding: AuditCoding.sealed(AuditCoding.payload(r), mac: AuditCoding.split(Array(ls[target].utf8))!.mac), as: UTF8.self)
        try write(try rechain(ls, from: target + 1))
        XCTAssertNil(AuditVerifier.verify(files: [path]).problem, "the chain alone is fooled")
        let p = try XCTUnwrap(verify().problem)
        XCTAssertEqual(p.kind, .badSeal)
        XCTAssertEqual(p.line, target + 1)
    }

    func testDroppedRecordWithChainRecomputedIsCaught() async throws {
        _ = try await writeSixEpochs()
        var ls = try lines()
        let target = ls.firstIndex { record($0).userName == "user2-0" }!
        ls.remove(at: target)
        try write(try rechain(ls, from: target))
        let p = try XCTUnwrap(verify().problem)
        XCTAssertEqual(p.kind, .badSeal)
        XCTAssertEqual(p.line, target + 1, "the record that followed the dropped one")
    }

    func testDroppedEndOfAnEpochIsCaughtAsAnUnclosedEpoch() async throws {
        _ = try await writeSixEpochs()
        var ls = try lines()
        // The seal closing epoch 2 and the record before it: the next record (epoch 4) can be re-sealed
        // with the current key only if it were epoch 5; it is not, so look at the epoch-4 → 5 border.
        let seal4 = ls.firstIndex { record($0).event == .seal && record($0).epoch == 4 }!
        ls.removeSubrange((seal4 - 1)...seal4)
        try write(try rechain(ls, from: seal4 - 1))
        let p = try XCTUnwrap(verify().problem)
        XCTAssertEqual(p.kind, .unclosedEpoch)
        XCTAssertEqual(p.line, seal4 - 1 + 1)
    }

    func testRecordMovedAcrossEpochsIsCaught() async throws {
        _ = try await writeSixEpochs()
        var ls = try lines()
        let from = ls.firstIndex { record($0).userName == "user1-1" }!
        let moved = ls.remove(at: from)
        let to = ls.firstIndex { record($0).userName == "user4-1" }!
        ls.insert(moved, at: to)
        try write(try rechain(ls, from: from))
        let p = try XCTUnwrap(verify().problem)
        XCTAssertTrue([.badSeal, .epochBackwards].contains(p.kind), "\(p)")
        XCTAssertEqual(p.line, from + 1)
    }

    func testTruncatedTailIsCaughtByAnchorsAndNoted() async throws {
        _ = try await writeSixEpochs()
        let ls = try lines()
        let keep = ls.firstIndex { record($0).event == .seal && record($0).epoch == 1 }!
        try write(Array(ls[...(keep - 1)]))
        let noted = verify()
        XCTAssertNil(noted.problem)
        XCTAssertTrue(noted.notes.contains { $0.contains("tail may have been cut") }, "\(noted.notes)")
        let p = try XCTUnwrap(verify(anchors: anchors.all).problem)
        XCTAssertEqual(p.kind, .truncated)
        XCTAssertTrue(p.message.contains("cut from the end"), p.message)
    }

    func testForgedRecordWithAnOlderKeyIsCaught() async throws {
        _ = try await writeSixEpochs()
        var ls = try lines()
        let genuine = ls
        var old = vk.sealKey()
        old.evolve(to: 3)  // a key from a backup taken in epoch 3
        func forged(epoch: UInt64) throws -> String {
            var r = AuditEvent(.applied, principal: "okta", userName: "mallory", outcome: .success)
            r.time = "2027-01-15T08:05:00.000Z"
            r.seq = UInt64(genuine.count + 1)
            r.prev = AuditCoding.hash(Array(genuine.last!.utf8))
            r.epoch = epoch
            let payload = AuditCoding.payload(r)
            return String(decoding: AuditCoding.sealed(payload, mac: old.mac(payload)), as: UTF8.self)
        }
        ls.append(try forged(epoch: 3))
        try write(ls)
        XCTAssertEqual(verify().problem?.kind, .epochBackwards)
        XCTAssertEqual(verify().problem?.line, ls.count)
        ls[ls.count - 1] = try forged(epoch: 5)
        try write(ls)
        XCTAssertEqual(verify().problem?.kind, .badSeal)
        XCTAssertEqual(verify().problem?.line, ls.count)
    }

    func testWrongVerificationKeyFails() async throws {
        _ = try await writeSixEpochs()
        let (other, _) = VerificationKey.generate(start: t0, interval: interval)
        let p = try XCTUnwrap(verify(key: other).problem)
        XCTAssertEqual(p.kind, .badSeal)
        XCTAssertEqual(p.line, 1)
        XCTAssertEqual(VerificationKey(parsing: vk.text), vk)
        XCTAssertNil(VerificationKey(parsing: "pwsync-vk1:00:1:1"))
    }

    func testUnsealedRecordInsertedIntoASealedLogIsCaught() async throws {
        _ = try await writeSixEpochs()
        var ls = try lines()
        var r = record(ls[3])
        r.mac = nil
        ls[3] = String(decoding: AuditCoding.payload(r), as: UTF8.self)
        try write(try rechain(ls, from: 4))
        XCTAssertEqual(verify().problem?.kind, .unsealed)
        XCTAssertEqual(verify().problem?.line, 4)
    }

    func testKeyFileModeAndOwnerAreChecked() throws {
        chmod(keyPath, 0o640)
        XCTAssertThrowsError(try SealKeyFile.load(keyPath)) { XCTAssertTrue("\($0)".contains("chmod 0600"), "\($0)") }
        chmod(keyPath, 0o600)
        XCTAssertNoThrow(try SealKeyFile.load(keyPath))
        XCTAssertThrowsError(try SealKeyFile.create(keyPath, vk.sealKey()), "never overwrites a key")
    }

    func testAnUnwritableKeyStopsSealingButNotRecording() async throws {
        let log = try openLog()
        clock.set(t0 + 5)
        try await log.record(AuditEvent(.start, outcome: .success))
        try FileManager.default.removeItem(atPath: keyPath)
        clock.set(t0 + interval + 5)
        try await log.record(AuditEvent(.applied, userName: "alice", outcome: .success))
        let sealing = await log.isSealing
        XCTAssertFalse(sealing)
        let events = try lines().map { record($0).event }
        XCTAssertEqual(events, [.start, .seal, .sealingStopped, .applied])
        let report = verify()
        XCTAssertNil(report.problem, "\(String(describing: report.problem))")
        XCTAssertEqual(report.sealedRecords, 3, "the stop itself is sealed")
    }

    func testRotationLeavesARecordOfWhatItDeleted() async throws {
        let log = try AuditLog(path: path, options: .init(maxBytes: 1500, keep: 2))
        for i in 0..<40 { try await log.record(AuditEvent(.applied, requestID: "r\(i)", userName: "user\(i)", outcome: .success)) }
        let files = AuditVerifier.chainFiles(for: path)
        XCTAssertEqual(AuditVerifier.verify(files: files).problem?.kind, .startsMidChain)
        let report = AuditVerifier.verify(files: files, partial: true)
        XCTAssertNil(report.problem)
        let gone = try XCTUnwrap(report.gone)
        XCTAssertEqual(gone.count, (report.firstSeq ?? 1) - 1)
        XCTAssertGreaterThan(gone.count, 0)
        XCTAssertEqual(gone.unaccounted, 0, "every deleted record is named by a rotated_away record")
        XCTAssertNotNil(gone.accounted.first?.from)
    }
}

final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var t: Int64 = 0
    var now: Date { lock.withLock { Date(timeIntervalSince1970: TimeInterval(t)) } }
    func set(_ seconds: Int64) { lock.withLock { t = seconds } }
}

final class Anchors: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [AuditVerifier.Anchor] = []
    var all: [AuditVerifier.Anchor] { lock.withLock { list } }
    func add(_ a: AuditVerifier.Anchor) { lock.withLock { list.append(a) } }
}
