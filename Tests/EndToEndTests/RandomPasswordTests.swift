import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest

/// Random mode, the policy pre-check and scramble on deactivate, through a running pwsync against
/// both real directories; every outcome proved by a bind.
final class RandomPasswordTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func testRandomModePreCheckAndScrambleOnOpenLDAP() async throws { try await run(.openldap) }
    func testRandomModePreCheckAndScrambleOnActiveDirectory() async throws { try await run(.samba) }

    func run(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try PwsyncProcess(fixture: f)
        let suffix = f.userBase.split(separator: ",").drop { !$0.lowercased().hasPrefix("dc=") }.joined(separator: ",")
        try p.appendConfig("""
            [random]
            scramble_on_deactivate = true

            [[scope]]
            name = "okta-only"
            mode = "random"
            users = ["bob"]
            \(name == .openldap ? "\n[openldap]\nppolicy_default = \"cn=default,ou=policies,\(suffix)\"\n" : "")
            """)
        var sent: [String] = []
        try await p.serving { try await body(f, p, name, &sent) }
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") } + p.capturedProcessFiles(), for: sent), [])
    }

    func body(_ f: Fixture, _ p: PwsyncProcess, _ name: Fixture.Name, _ sent: inout [String]) async throws {
        // Random mode: Okta's value never binds, and neither does the password bob had.
        let bobFound = try await p.lookup("bob")
        let bob = try XCTUnwrap(bobFound)
        let before = try await p.request(.GET, "/scim/v2/Users/\(bob)").status
        XCTAssertEqual(before, 200)
        let okta = Canary.make("okta")
        sent.append(okta)
        let pushed = try await p.pushPassword(id: bob, okta)
        XCTAssertEqual(pushed.status, 200, String(decoding: pushed.body, as: UTF8.self))
        let withOkta = try await f.bindResult(dn: f.userDN("bob"), password: Secret(okta))
        XCTAssertEqual(withOkta, 49, "Okta's value was set aside")
        let records = try audit(p)
        let applied = try XCTUnwrap(records.last { $0["user_id"] as? String == bob && $0["event"] as? String == "applied" })
        XCTAssertEqual(applied["mode"] as? String, "random")
        XCTAssertEqual(applied["scope"] as? String, "okta-only")
        XCTAssertEqual(applied["outcome"] as? String, "success")
        // The account's password changed: its stamp moved, so nothing that was known before binds.
        let initialBob = try await f.bindResult(dn: f.userDN("bob"), password: try f.initialPassword("bob"))
        XCTAssertEqual(initialBob, 49, "bob has a new password nobody knows")

        // Pre-check: each rule refused with its name, nothing written (the known password still binds).
        let carolFound = try await p.lookup("carol")
        let carol = try XCTUnwrap(carolFound)
        let known = Canary.make("known")
        sent.append(known)
        let set = try await p.pushPassword(id: carol, known)
        XCTAssertEqual(set.status, 200)
        var cases: [(user: String, id: String, password: String, detail: String)] = [(("carol"), carol, "Sh0rt!x", "too short: 7 < 8 characters")]
        if name == .samba {
            let daveFound = try await p.lookup("dave")
        let dave = try XCTUnwrap(daveFound)
            cases += [
                ("carol", carol, "alllowercase-only", "three of four classes"),
                ("carol", carol, "Xy9!CAROLzz", "contains the account name"),
                ("dave", dave, "Abcdefgh-1234", "too short: 13 < 14 characters"),  // dave's PSO
            ]
        }
        for c in cases {
            sent.append(c.password)
            let r = try await p.pushPassword(id: c.id, c.password)
            XCTAssertEqual(r.status, 400, c.detail)
            XCTAssertEqual(r.json["scimType"] as? String, "invalidValue", c.detail)
            let detail = r.json["detail"] as? String ?? ""
            XCTAssertTrue(detail.contains(c.detail), "\(c.detail): \(detail)")
            let refused = try audit(p).last { $0["user_id"] as? String == c.id }
            XCTAssertEqual(refused?["event"] as? String, "rejected")
            XCTAssertNil(refused?["result_code"], "the directory was not asked")
        }
        let stillKnown = try await f.bindResult(dn: f.userDN("carol"), password: Secret(known))
        XCTAssertEqual(stillKnown, 0, "refused pushes wrote nothing")

        // Scramble on deactivate: after reactivation, the password from before does not bind.
        let aliceFound = try await p.lookup("alice")
        let alice = try XCTUnwrap(aliceFound)
        let alicePassword = Canary.make("w")
        sent.append(alicePassword)
        let aliceSet = try await p.pushPassword(id: alice, alicePassword)
        XCTAssertEqual(aliceSet.status, 200)
        let off = try await p.request(.PATCH, "/scim/v2/Users/\(alice)", body: Self.active(false))
        XCTAssertEqual(off.status, 200, String(decoding: off.body, as: UTF8.self))
        let on = try await p.request(.PATCH, "/scim/v2/Users/\(alice)", body: Self.active(true))
        XCTAssertEqual(on.json["active"] as? Bool, true)
        let revived = try await f.bindResult(dn: f.userDN("alice"), password: Secret(alicePassword))
        XCTAssertEqual(revived, 49, "re-enabling did not bring the old password back")
        let scramble = try audit(p).last { $0["user_id"] as? String == alice && $0["action"] as? String == "scramble" }
        XCTAssertEqual(scramble?["event"] as? String, "applied")
        XCTAssertEqual(scramble?["mode"] as? String, "random")
        let verify = try p.verifyAudit()
        XCTAssertEqual(verify.status, 0, verify.output)
    }

    static func active(_ on: Bool) -> String {
        #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":\#(on)}}]}"#
    }

    func audit(_ p: PwsyncProcess) throws -> [[String: Any]] { try p.auditRecords() }
}
