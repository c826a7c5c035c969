import Foundation
import XCTest
@testable import Audit

final class AuditCodingTests: XCTestCase {
    /// Every field of a record, with text that needs escaping.
    static let full: AuditEvent = {
        var e = AuditEvent(.applied, requestID: "r-1", client: "203.0.113.9", principal: "okta \"prod\"", operation: "patch_user",
                           form: .patchValue, action: .setPassword, placeholder: .ignored, userName: "ålice\\x\u{1}\n\t/",
                           userID: "0f8c-\u{7f}", dn: "uid=alice,ou=people,dc=test", mode: .random, outcome: .success,
                           reason: .profileIgnored, resultCode: -1, historyEnforced: true, latencyMs: 12,
                           dropped: .init(firstSeq: 1, lastSeq: 9, headHash: String(repeating: "a", count: 64), from: "f", until: "u"))
        e.attributes = ["title", "name.givenName", "emails[type eq \"work\"].value"]
        e.accountName = "alice2"
        e.scope = "okta-only"
        e.keptDisabled = false
        e.count = 3
        e.time = "2026-11-30T00:00:00.000Z"
        e.seq = 42
        e.prev = String(repeating: "0", count: 64)
        e.epoch = 7
        return e
    }()

    /// The hand-written line carries every field: a field added to `AuditEvent` but not to
    /// `AuditCoding.body` fails here (the fixture must set every optional, checked by reflection).
    func testEveryFieldRoundTrips() throws {
        let unset = Mirror(reflecting: Self.full).children.filter { child in
            child.label != "mac" && Mirror(reflecting: child.value).displayStyle == .optional && Mirror(reflecting: child.value).children.isEmpty
        }.compactMap(\.label)
        XCTAssertEqual(unset, [], "set these in the fixture")
        let line = AuditCoding.payload(Self.full)
        XCTAssertEqual(try JSONDecoder().decode(AuditEvent.self, from: Data(line)), Self.full)
        XCTAssertFalse(line.contains(0x0a), "one line")
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], "plain JSON for other tools")
    }

    /// The writer's fields close the line, in a fixed order; the MAC goes last when sealed.
    func testFixedOrderAndSealedForm() throws {
        var e = AuditEvent(.start)
        e.time = "t"; e.seq = 1; e.prev = "p"
        XCTAssertEqual(String(decoding: AuditCoding.payload(e), as: UTF8.self), #"{"event":"start","time":"t","seq":1,"prev":"p"}"#)
        let sealed = AuditCoding.sealed(AuditCoding.payload(e), mac: [UInt8](repeating: 0xab, count: 32))
        let split = try XCTUnwrap(AuditCoding.split(sealed))
        XCTAssertEqual(split.payload, AuditCoding.payload(e))
        XCTAssertEqual(split.mac, [UInt8](repeating: 0xab, count: 32))
    }
}
