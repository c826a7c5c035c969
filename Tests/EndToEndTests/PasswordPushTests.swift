import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest

/// Okta's password push, end to end: real HTTPS into a real `pwsync serve`, real slapd and Samba AD DC
/// behind it, every push proven by an LDAP bind as the user.
final class PasswordPushTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func testOpenLDAP() async throws { try await pushFlow(.openldap) }
    func testActiveDirectory() async throws { try await pushFlow(.samba) }

    func pushFlow(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try PwsyncProcess(fixture: f, logLevel: "debug")
        try await p.start()
        var pushed: [String] = []
        var procFiles: [String] = []
        do {
            // Okta's connection test.
            let list = try await p.request(.GET, "/scim/v2/Users?startIndex=1&count=2")
            XCTAssertEqual(list.status, 200)
            XCTAssertEqual(list.header("Content-Type"), "application/scim+json; charset=utf-8")
            XCTAssertEqual((list.json["Resources"] as? [Any])?.count, 2)
            XCTAssertGreaterThanOrEqual(list.json["totalResults"] as? Int ?? 0, 4, "the four fixture users (other tests may add more)")

            // Existence check in both encodings Okta uses, then GET by id.
            let found = try await p.lookup("alice")
            let id = try XCTUnwrap(found)
            let viaPercent = try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22alice%22")
            XCTAssertEqual((viaPercent.json["Resources"] as? [[String: Any]])?.first?["id"] as? String, id)
            let user = try await p.request(.GET, "/scim/v2/Users/\(id)")
            XCTAssertEqual(user.status, 200)
            XCTAssertEqual(user.json["userName"] as? String, "alice")
            XCTAssertEqual(user.json["active"] as? Bool, true)
            XCTAssertNil(user.json["password"])
            let miss = try await p.request(.GET, "/scim/v2/Users?filter=userName+eq+%22abcdefgh%40atko.com%22")
            XCTAssertEqual(miss.status, 200)
            XCTAssertEqual(miss.json["totalResults"] as? Int, 0)

            // Push, prove by bind; push again (non-ASCII too), prove the new one binds and the old one does not.
            let dn = f.userDN("alice")
            let first = Canary.make("a")
            let second = Canary.make("b") + "äö€𝄞"
            pushed += [first, second]
            let r1 = try await p.pushPassword(id: id, first)
            XCTAssertEqual(r1.status, 200, String(decoding: r1.body, as: UTF8.self))
            XCTAssertEqual(r1.json["id"] as? String, id)
            let firstBind = try await f.bindResult(dn: dn, password: Secret(first))
            XCTAssertEqual(firstBind, 0)
            let r2 = try await p.pushPassword(id: id, second)
            XCTAssertEqual(r2.status, 200)
            let secondBind = try await f.bindResult(dn: dn, password: Secret(second))
            XCTAssertEqual(secondBind, 0, "the pushed password must work")
            let oldBind = try await f.bindResult(dn: dn, password: Secret(first))
            XCTAssertEqual(oldBind, 49, "the previous password must no longer work")
            procFiles = p.capturedProcessFiles()

            // The directory's policy says no: 400 with an actionable detail, and nothing changes.
            let weak = "Wq" + Canary.make().suffix(4)
            pushed.append(weak)
            let r3 = try await p.pushPassword(id: id, weak)
            XCTAssertEqual(r3.status, 400)
            XCTAssertEqual(r3.json["scimType"] as? String, "invalidValue")
            XCTAssertTrue((r3.json["detail"] as? String ?? "").contains("policy"), "\(r3.json)")
            let stillSecond = try await f.bindResult(dn: dn, password: Secret(second))
            XCTAssertEqual(stillSecond, 0)

            // Unknown user: 404 with a SCIM error body.
            let canary404 = Canary.make("c")
            pushed.append(canary404)
            let r4 = try await p.pushPassword(id: "0badf00d-0000-4000-8000-000000000000", canary404)
            XCTAssertEqual(r4.status, 404)
            XCTAssertEqual(r4.json["schemas"] as? [String], ["urn:ietf:params:scim:api:messages:2.0:Error"])
            XCTAssertFalse((r4.json["detail"] as? String ?? "").isEmpty)
            let r4b = try await p.request(.GET, "/scim/v2/Users/010101001010101011001010101011")
            XCTAssertEqual(r4b.status, 404)

            // Bad or missing token: 401 with a SCIM error body, and no write.
            let canary401 = Canary.make("d")
            pushed.append(canary401)
            let body = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"\#(canary401)"}}]}"#
            for auth: PwsyncProcess.Auth in [.header("Bearer not-the-token"), .none, .header("non-token")] {
                let r = try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: body, auth: auth)
                XCTAssertEqual(r.status, 401)
                XCTAssertEqual(r.json["status"] as? String, "401")
                XCTAssertEqual(r.json["schemas"] as? [String], ["urn:ietf:params:scim:api:messages:2.0:Error"])
            }
            let unauthorizedBind = try await f.bindResult(dn: dn, password: Secret(canary401))
            XCTAssertEqual(unauthorizedBind, 49)
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()

        // The audit log: who, whom, how, outcome — one record per decision.
        let records = try String(contentsOfFile: p.auditPath, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let applied = records.filter { $0["event"] as? String == "applied" }
        XCTAssertEqual(applied.count, 2)
        XCTAssertEqual(applied.first?["principal"] as? String, "okta")
        XCTAssertEqual(applied.first?["user_name"] as? String, "alice")
        XCTAssertEqual(applied.first?["client"] as? String, "127.0.0.1")
        XCTAssertEqual((applied.first?["dn"] as? String)?.lowercased(), f.userDN("alice").lowercased())
        XCTAssertEqual(applied.first?["form"] as? String, "patch_value")
        XCTAssertEqual(applied.first?["result_code"] as? Int, 0)
        // On AD pwsync reads the domain policy and refuses the short password itself (never sent); the
        // test slapd config names no ppolicy default, so slapd is asked and refuses it.
        let knowsPolicy = f.kind != "openldap"
        XCTAssertEqual(records.filter { $0["event"] as? String == "push_received" }.count, knowsPolicy ? 2 : 3)
        XCTAssertEqual(records.filter { $0["event"] as? String == "rejected" }.map { $0["reason"] as? String },
                       [knowsPolicy ? "password_too_short" : "password_policy_violation", "user_not_found"])
        // Three failures from one address: the first on its own record, the others counted in a summary.
        let failures = records.filter { $0["event"] as? String == "auth_failed" }
        XCTAssertEqual(failures.reduce(0) { $0 + (($1["count"] as? Int) ?? 1) }, 3)
        XCTAssertEqual(failures.count, 2)

        // The canary: no pushed password anywhere pwsync wrote or was given, in any encoding.
        let files = Canary.files(under: p.state).filter { !$0.hasSuffix(".key") } + procFiles
        XCTAssertTrue(files.contains(p.auditPath) && files.contains(p.stderrPath))
        XCTAssertGreaterThanOrEqual(procFiles.count, 2, "argv and environment of the running pwsync were scanned")
        XCTAssertEqual(Canary.scan(files: files, for: pushed), [])
    }

    /// Sanity check of the scanner itself, so a clean scan above means something.
    func testCanaryScannerFindsEveryForm() throws {
        let dir = NSTemporaryDirectory() + "canary-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pw = Canary.make() + "é\"/"
        for (name, bytes) in Canary.forms(pw) {
            FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data([0x20] + bytes + [0x0a]))
        }
        let hits = Canary.scan(files: Canary.files(under: dir), for: [pw])
        XCTAssertGreaterThanOrEqual(hits.count, Canary.forms(pw).count)
        XCTAssertEqual(Canary.scan(files: Canary.files(under: dir), for: [Canary.make()]), [])
    }

    /// A plaintext directory URL never gets as far as a running server.
    func testPlaintextDirectoryURLIsRefusedAtStartup() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try p.editConfig(replacing: f["LDAPS_URL"], with: f["LDAP_URL"])
        let config = try String(contentsOfFile: p.configPath, encoding: .utf8)
        let (status, text) = try PwsyncProcess.run(PwsyncProcess.binary, ["serve", "--config", p.configPath])
        XCTAssertEqual(status, 78)
        let line = try XCTUnwrap(config.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("urls = ") }) + 1
        XCTAssertTrue(text.contains("\(p.configPath):\(line): directory.urls:"), text)
        XCTAssertTrue(text.contains("unencrypted"), text)
        try await p.client.shutdown()
    }

    /// An unreachable directory is a 429 with an integer Retry-After, so Okta retries the push itself.
    func testDirectoryDownIs429WithRetryAfter() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try p.editConfig(replacing: f["LDAPS_URL"], with: "ldaps://127.0.0.1:\(try Loopback.freePort())")
        try await p.start()
        do {
            let r = try await p.request(.GET, "/scim/v2/Users?filter=userName+eq+%22alice%22")
            XCTAssertEqual(r.status, 429)
            XCTAssertEqual(r.header("Retry-After"), "30")
            XCTAssertTrue((r.json["detail"] as? String ?? "").contains("retried"), "\(r.json)")
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
    }
}
