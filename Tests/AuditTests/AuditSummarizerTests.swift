import Foundation
import XCTest
@testable import Audit

actor Collector: AuditSink {
    var events: [AuditEvent] = []
    func record(_ event: AuditEvent) { events.append(event) }
}

final class AuditSummarizerTests: XCTestCase {
    func testOneRecordPerKeyAndIntervalThenACount() async {
        let sink = Collector()
        let s = AuditSummarizer(sink: sink, interval: .seconds(60))
        let t0 = ContinuousClock.now
        for i in 0..<500 { await s.record(AuditEvent(.authFailed, client: "192.0.2.\(i % 2)", outcome: .failure), key: "auth:\(i % 2)", now: t0) }
        var events = await sink.events
        XCTAssertEqual(events.count, 2, "the first failure of each address")
        await s.flush(now: t0 + .seconds(61))
        events = await sink.events
        XCTAssertEqual(events.count, 4)
        XCTAssertEqual(events.suffix(2).map(\.count).sorted { ($0 ?? 0) < ($1 ?? 0) }, [249, 249])
        let keys = await s.keys
        XCTAssertEqual(keys, 0)
    }

    func testTheTableIsBounded() async {
        let sink = Collector()
        let s = AuditSummarizer(sink: sink, interval: .seconds(60), maxKeys: 100)
        for i in 0..<1000 { await s.record(AuditEvent(.authFailed), key: "k\(i)") }
        let keys = await s.keys
        XCTAssertLessThanOrEqual(keys, 100)
    }

    func testClientTextIsBoundedInTheLog() async throws {
        let path = NSTemporaryDirectory() + "bounded-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await AuditLog(path: path).record(AuditEvent(.authFailed, operation: "GET /" + String(repeating: "x", count: 80_000)))
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        XCTAssertLessThan(size, 1000, "a 79 KB path does not make a 79 KB record")
    }
}
