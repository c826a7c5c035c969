import AsyncHTTPClient
import Foundation
import LDAP
import NIOHTTP1
import Secrets
import TestSupport
import XCTest

/// What Okta does in production, against both directories: the same password again at every
/// sign-in, a write left in doubt by a frozen directory, and strangers failing to authenticate
/// from Okta's shared addresses or behind a balancer.
final class OktaRoundThreeTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    /// A default config plus account creation, so each test has fresh users.
    func start(_ f: Fixture) async throws -> PwsyncProcess {
        let p = try PwsyncProcess(fixture: f)
        try p.enableCreation()
        try await p.start()
        return p
    }

    func create(_ p: PwsyncProcess, _ local: String) async throws -> (id: String, dn: String) {
        let userName = "\(local)\(Int.random(in: 1000...9999))@atko.com"
        let body = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(userName)","name":{"givenName":"T","familyName":"User"},"emails":[{"value":"\#(userName)","primary":true,"type":"work"}],"active":true}"#
        let r = try await p.request(.POST, "/scim/v2/Users", body: body)
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        let id = try XCTUnwrap(r.json["id"] as? String)
        let dn = try XCTUnwrap(try p.auditRecords().last { $0["action"] as? String == "create" && $0["event"] as? String == "applied" }?["dn"] as? String)
        return (id, dn)
    }

    /// The directory's change marker for the account (AD pwdLastSet, OpenLDAP entryCSN).
    func marker(_ f: Fixture, _ dn: String) async throws -> String? {
        try await OktaRoundTwoTests.read(f, dn: dn, f.kind == "openldap" ? "entryCSN" : "pwdLastSet")
    }

    /// The decisions on this user's password, as event/outcome/reason.
    func decisions(_ p: PwsyncProcess, _ id: String) throws -> [String] {
        try p.auditRecords().filter { $0["user_id"] as? String == id && $0["action"] as? String == "set_password" && $0["event"] as? String != "push_received" }
            .map { "\($0["event"] ?? "-")/\($0["outcome"] ?? "-")/\($0["reason"] ?? "-")" }
    }

    static func patchBody(_ pw: String) -> String {
        #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"\#(pw)"}}]}"#
    }

    // MARK: The same password again

    func testTheSamePasswordAgainIsUnchangedInEveryFormOnOpenLDAP() async throws { try await sameAgain(.openldap) }
    func testTheSamePasswordAgainIsUnchangedInEveryFormOnActiveDirectory() async throws { try await sameAgain(.samba) }

    /// PATCH, PUT and 1.1 PATCH each repeated at once and 2 s later: all 200, one write each, the
    /// change marker untouched, the audit says unchanged. Four identical PATCHes at once: one write.
    func sameAgain(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try await start(f)
        var canaries: [String] = []
        try await p.serving(alreadyStarted: true) {
            let (id, dn) = try await create(p, "again")
            let forms: [(String, (String) async throws -> PwsyncProcess.Reply)] = [
                ("2.0 PATCH", { pw in try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: Self.patchBody(pw)) }),
                ("PUT", { pw in
                    var doc = try await p.request(.GET, "/scim/v2/Users/\(id)").json
                    doc["password"] = pw
                    return try await p.request(.PUT, "/scim/v2/Users/\(id)", body: String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
                }),
                ("1.1 PATCH", { pw in
                    try await p.request(.PATCH, "/scim/v1/Users/\(id)", body: #"{"schemas":["urn:scim:schemas:core:1.0"],"id":"\#(id)","password":"\#(pw)"}"#,
                                        contentType: "application/json")
                }),
            ]
            for (form, push) in forms {
                let pw = Canary.make("same")
                canaries.append(pw)
                let first = try await push(pw)
                XCTAssertEqual(first.status, 200, "\(form): \(String(decoding: first.body, as: UTF8.self))")
                let written = try await marker(f, dn)
                let again = try await push(pw)
                XCTAssertEqual(again.status, 200, "\(form) at once: \(String(decoding: again.body, as: UTF8.self))")
                try await Task.sleep(for: .seconds(2))
                let later = try await push(pw)
                XCTAssertEqual(later.status, 200, "\(form) 2 s later")
                let after = try await marker(f, dn)
                XCTAssertEqual(after, written, "\(form): nothing written, the change marker did not move")
                let bound = try await f.bindResult(dn: dn, password: Secret(pw))
                XCTAssertEqual(bound, 0, "\(form): the pushed password works")
                XCTAssertEqual(Array(try decisions(p, id).suffix(3)),
                               ["applied/success/-", "applied/unchanged/same_as_last_write", "applied/unchanged/same_as_last_write"], form)
            }
            // Okta's worker threads: four identical pushes at once.
            let pw = Canary.make("four")
            canaries.append(pw)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: Self.patchBody(pw)).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(statuses, [200, 200, 200, 200])
            let last4 = Array(try decisions(p, id).suffix(4))
            XCTAssertEqual(last4.filter { $0 == "applied/success/-" }.count, 1, "one write: \(last4)")
            XCTAssertEqual(last4.filter { $0 == "applied/unchanged/same_as_last_write" }.count, 3, "\(last4)")
            let bound = try await f.bindResult(dn: dn, password: Secret(pw))
            XCTAssertEqual(bound, 0)
        }
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }, for: canaries), [])
    }

    func testAResetInTheSameSecondIsNoRepeatOnOpenLDAP() async throws { try await resetSameSecond(.openldap) }
    func testAResetInTheSameSecondIsNoRepeatOnActiveDirectory() async throws { try await resetSameSecond(.samba) }

    /// PUT A, a helpdesk reset to B at once (within the same second), PUT A again: written again,
    /// never a false "unchanged". AD takes it (A binds); slapd's history holds A, so it refuses,
    /// a bind shows A is not the current password, and Okta is told so (B still binds).
    func resetSameSecond(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try await start(f)
        let a = Canary.make("a"), b = Canary.make("b")
        try await p.serving(alreadyStarted: true) {
            let (id, dn) = try await create(p, "same")
            var doc = try await p.request(.GET, "/scim/v2/Users/\(id)").json
            doc["password"] = a
            let body = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
            let put = try await p.request(.PUT, "/scim/v2/Users/\(id)", body: body)
            XCTAssertEqual(put.status, 200)
            let started = Date()
            try await OktaRoundTwoTests.helpdeskReset(f, dn: dn, to: b)
            let again = try await p.request(.PUT, "/scim/v2/Users/\(id)", body: body)
            print("PUT, helpdesk reset and PUT again within \(String(format: "%.3f", Date().timeIntervalSince(started))) s")
            let last = try XCTUnwrap(try decisions(p, id).last)
            XCTAssertNotEqual(last, "applied/unchanged/same_as_last_write", "the marker moved: written again")
            if name == .openldap {
                XCTAssertEqual(again.status, 400)
                XCTAssertTrue((again.json["detail"] as? String ?? "").contains("history"), String(decoding: again.body, as: UTF8.self))
                XCTAssertEqual(last, "rejected/failure/password_policy_violation")
                let stillB = try await f.bindResult(dn: dn, password: Secret(b))
                XCTAssertEqual(stillB, 0)
            } else {
                XCTAssertEqual(again.status, 200)
                XCTAssertEqual(last, "applied/success/-")
                let bindA = try await f.bindResult(dn: dn, password: Secret(a))
                XCTAssertEqual(bindA, 0, "Okta's password is the one in the directory again")
            }
        }
    }

    /// After a restart pwsync has no memory of its writes: repeating the current password is refused
    /// by slapd's history, and one bind shows it is the current one: 200 unchanged. A genuinely old
    /// value is refused, naming the history.
    func testAfterARestartTheCurrentPasswordIsUnchangedAndAnOldOneRefused() async throws {
        let f = try Fixture.load(.openldap)
        let first = try await start(f)
        let a = Canary.make("a"), b = Canary.make("b")
        var user: (id: String, dn: String) = ("", "")
        try await first.serving(alreadyStarted: true) {
            user = try await create(first, "restart")
            let r = try await first.request(.PATCH, "/scim/v2/Users/\(user.id)", body: Self.patchBody(a))
            XCTAssertEqual(r.status, 200)
        }
        let second = try await start(f)
        try await second.serving(alreadyStarted: true) {
            let again = try await second.request(.PATCH, "/scim/v2/Users/\(user.id)", body: Self.patchBody(a))
            XCTAssertEqual(again.status, 200, String(decoding: again.body, as: UTF8.self))
            XCTAssertEqual(try decisions(second, user.id), ["applied/unchanged/already_current"])
            let bound = try await f.bindResult(dn: user.dn, password: Secret(a))
            XCTAssertEqual(bound, 0)
            let toB = try await second.request(.PATCH, "/scim/v2/Users/\(user.id)", body: Self.patchBody(b))
            XCTAssertEqual(toB.status, 200)
            let old = try await second.request(.PATCH, "/scim/v2/Users/\(user.id)", body: Self.patchBody(a))
            XCTAssertEqual(old.status, 400)
            XCTAssertTrue((old.json["detail"] as? String ?? "").contains("history"), String(decoding: old.body, as: UTF8.self))
            XCTAssertEqual(try decisions(second, user.id).last, "rejected/failure/password_policy_violation")
            let stillB = try await f.bindResult(dn: user.dn, password: Secret(b))
            XCTAssertEqual(stillB, 0)
        }
        XCTAssertEqual(Canary.scan(files: Canary.files(under: second.state).filter { !$0.hasSuffix(".key") }, for: [a, b]), [])
    }

    // MARK: A write left in doubt

    struct Sent: Sendable {
        let user: String
        let password: String
        let status: Int
        let requestID: String?
        let at: ContinuousClock.Instant
    }

    /// slapd frozen (SIGSTOP) for 40 s under 8 streams of pushes (two per user) that never pause
    /// after a 429, then thawed. No write in doubt lands after a newer push was answered 2xx; each
    /// doubt is audited with its late outcome; a value that landed late is answered 200 when Okta
    /// pushes it again; the log verifies.
    func testAWriteLeftInDoubtNeverLandsAfterANewerAnsweredPush() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        let users = FaultTests.users
        let pid = try f.serverPID()
        var sent: [Sent] = []
        try await p.serving {
            var ids: [String: String] = [:]
            for u in users {
                let id = try await p.lookup(u)
                ids[u] = try XCTUnwrap(id, u)
            }
            let frozenAt = ContinuousClock.now + .milliseconds(1500)
            let thawAt = frozenAt + .seconds(40)
            let stopAt = thawAt + .seconds(8)
            let fault = Task.detached {
                try await Task.sleep(until: frozenAt)
                kill(pid, SIGSTOP)
                try? await Task.sleep(until: thawAt)
                kill(pid, SIGCONT)
            }
            do {
                sent = try await withThrowingTaskGroup(of: [Sent].self) { group in
                    for stream in 0..<8 {
                        let u = users[stream % users.count], id = ids[u]!
                        group.addTask {
                            var mine: [Sent] = []
                            while ContinuousClock.now < stopAt {
                                let pw = Canary.make("d")
                                let at = ContinuousClock.now
                                let r = try await p.pushPassword(id: id, pw)
                                mine.append(Sent(user: u, password: pw, status: r.status, requestID: r.header("X-Request-Id"), at: at))
                                if r.status != 200 { try await Task.sleep(for: .milliseconds(200)) }
                            }
                            return mine
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            } catch {
                kill(pid, SIGCONT)
                throw error
            }
            try await fault.value
            print("doubt: streams ended \(String(format: "%.1f", (ContinuousClock.now - thawAt) / .seconds(1))) s after the thaw")
            // Every doubt settles once slapd answers again.
            func inDoubt() async throws -> Double? {
                let line = try await p.metrics().text.split(separator: "\n").first { $0.hasPrefix("pwsync_users_in_doubt ") }
                return line.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, try await inDoubt() != 0 { try await Task.sleep(for: .milliseconds(500)) }
            let left = try await inDoubt()
            print("doubt: settled \(String(format: "%.1f", (ContinuousClock.now - thawAt) / .seconds(1))) s after the thaw")
            XCTAssertEqual(left, 0, "no user left in doubt")
            let m = try await p.metrics().text
            XCTAssertTrue(m.contains("pwsync_late_outcomes_total{result=\"applied\"}"), "late outcomes are counted:\n\(m)")

            let records = try p.auditRecords()
            let doubts = records.filter { $0["event"] as? String == "deferred" && $0["outcome"] as? String == "unknown" }
            let settled = records.filter { ["applied_late", "rejected_late", "doubt_lifted"].contains($0["event"] as? String ?? "") }
            print("doubt: \(sent.count) pushes, \(sent.filter { $0.status == 200 }.count) answered 200, \(sent.filter { $0.status == 429 }.count) 429; " +
                  "\(doubts.count) writes left in doubt, settled as \(settled.map { "\($0["event"]!)/\($0["reason"] ?? "-")" })")
            XCTAssertGreaterThan(doubts.count, 0, "the freeze caught writes in flight")
            XCTAssertEqual(Set(doubts.compactMap { $0["request_id"] as? String }), Set(settled.compactMap { $0["request_id"] as? String }),
                           "each doubt has its late outcome, under the request that sent it")
            XCTAssertEqual(Set(sent.map(\.status)).subtracting([200, 429]), [], "only 200 or 429")
            XCTAssertTrue(records.contains { $0["reason"] as? String == "write_in_doubt" } || doubts.count == settled.count)

            let byRequest = Dictionary(sent.compactMap { s in s.requestID.map { ($0, s) } }, uniquingKeysWith: { a, _ in a })
            for u in users {
                let mine = sent.filter { $0.user == u }.sorted { $0.at < $1.at }
                guard let lastOK = mine.lastIndex(where: { $0.status == 200 }) else { continue }
                // The final password is the last one answered 200, or a later one that landed late.
                var final: Sent?
                for s in mine[lastOK...] {
                    if try await f.bindResult(dn: f.userDN(u), password: Secret(s.password)) == 0 {
                        final = s
                        break
                    }
                }
                let found = try XCTUnwrap(final, "\(u): the last password answered 200 (or a later one) is in force")
                if found.status == 429 {
                    let late = settled.first { $0["request_id"] as? String == found.requestID }
                    XCTAssertEqual(late?["event"] as? String, "applied_late", "\(u): a 429'd value in force landed late, on record")
                }
            }
            // Okta's retry of each value that landed late and is still in force: 200, not the history.
            for late in settled where late["event"] as? String == "applied_late" {
                guard let s = (late["request_id"] as? String).flatMap({ byRequest[$0] }) else { continue }
                guard try await f.bindResult(dn: f.userDN(s.user), password: Secret(s.password)) == 0 else { continue }
                let again = try await p.pushPassword(id: ids[s.user]!, s.password)
                XCTAssertEqual(again.status, 200, "\(s.user): re-push of the value that landed late: \(String(decoding: again.body, as: UTF8.self))")
            }
            let verify = try p.verifyAudit()
            XCTAssertEqual(verify.status, 0, verify.output)
        }
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }, for: sent.map(\.password)), [])
    }
}

// MARK: Strangers on Okta's address

extension OktaRoundThreeTests {
    /// 60 wrong tokens from one address, then the right one from the same address: served at once.
    /// The failures are in the audit log as a summary, not one record each.
    func testAValidTokenIsServedWhateverItsAddressSentBefore() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try await p.serving {
            for _ in 0..<60 {
                let r = try await p.request(.GET, "/scim/v2/Users?count=1", auth: .header("Bearer wrong-\(Int.random(in: 0...999))"))
                XCTAssertTrue([401, 429].contains(r.status), "\(r.status)")
            }
            let throttled = try await p.request(.GET, "/scim/v2/Users?count=1", auth: .header("Bearer wrong"))
            XCTAssertEqual(throttled.status, 429, "failures past the limit are slowed")
            let started = ContinuousClock.now
            let ok = try await p.request(.GET, "/scim/v2/Users?count=1")
            XCTAssertEqual(ok.status, 200, "a valid token from the same address")
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "at once")
            let id = try await p.lookup("alice")
            let pw = Canary.make("ok")
            let push = try await p.pushPassword(id: try XCTUnwrap(id), pw)
            XCTAssertEqual(push.status, 200)
        }
        let failed = try p.auditRecords().filter { $0["event"] as? String == "auth_failed" }
        XCTAssertLessThan(failed.count, 5, "a summary, not a record per failure")
        XCTAssertEqual(failed.map { $0["count"] as? Int ?? 1 }.reduce(0, +), 61, "every failure counted")
    }

    /// A client that speaks through a hop: PROXY protocol v1 or v2 before TLS, or X-Forwarded-For
    /// inside it. Run by python3 (a real TLS client on a raw socket); the token comes on stdin.
    static let hopClient = #"""
    import socket, ssl, struct, sys
    port, source, mode, claimed, ca, xff, method, path = sys.argv[1:9]
    token = sys.stdin.readline().strip()
    body = sys.stdin.readline().strip().encode()
    s = socket.create_connection(("127.0.0.1", int(port)), source_address=(source, 0), timeout=10)
    if mode == "v1":
        s.sendall(f"PROXY TCP4 {claimed} 127.0.0.1 40000 {port}\r\n".encode())
    elif mode == "v2":
        addrs = socket.inet_aton(claimed) + socket.inet_aton("127.0.0.1") + struct.pack("!HH", 40000, int(port))
        s.sendall(b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack("!H", len(addrs)) + addrs)
    try:
        t = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname="127.0.0.1")
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n"
        if xff != "-":
            head += f"X-Forwarded-For: {xff}\r\n"
        if body:
            head += f"Content-Type: application/scim+json\r\nContent-Length: {len(body)}\r\n"
        t.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while True:
            chunk = t.recv(65536)
            if not chunk:
                break
            data += chunk
        print(data.split(b" ")[1].decode())
    except (ssl.SSLError, OSError, IndexError) as e:
        print("closed")
    """#

    func hop(_ p: PwsyncProcess, from source: String, _ mode: String, claiming claimed: String = "0.0.0.0", xff: String = "-",
             token: String = "wrong", push: (id: String, password: String)? = nil) throws -> String {
        let path = push.map { "/scim/v2/Users/\($0.id)" } ?? "/scim/v2/Users?count=1"
        let r = try PwsyncProcess.run("/usr/bin/python3", ["-c", Self.hopClient, String(p.port), source, mode, claimed, "\(p.state)/tls/ca.pem",
                                                         xff, push == nil ? "GET" : "PATCH", path],
                                      input: token + "\n" + (push.map { Self.patchBody($0.password) } ?? ""))
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Only a trusted proxy's PROXY header or X-Forwarded-For names the client the audit records;
    /// the same from anyone else is ignored, and a client so named is held to `[server] allow`.
    func testATrustedProxyNamesTheClientAndNoOneElseDoes() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try p.editConfig(replacing: "[[server.tokens]]", with: """
            trusted_proxies = ["127.0.0.5"]
            allow = ["127.0.0.0/8", "198.51.100.0/24"]

            [[server.tokens]]
            """)
        let pw = Canary.make("hop")
        try await p.serving {
            let found = try await p.lookup("alice")
            let id = try XCTUnwrap(found)
            XCTAssertEqual(try hop(p, from: "127.0.0.5", "v1", claiming: "198.51.100.11"), "401")
            XCTAssertEqual(try hop(p, from: "127.0.0.5", "v2", claiming: "198.51.100.12"), "401")
            XCTAssertEqual(try hop(p, from: "127.0.0.5", "none", xff: "203.0.113.99, 198.51.100.13"), "401")
            XCTAssertEqual(try hop(p, from: "127.0.0.5", "none"), "401", "the proxy's own connection, with no header")
            XCTAssertEqual(try hop(p, from: "127.0.0.2", "none", xff: "198.51.100.14"), "401")
            XCTAssertEqual(try hop(p, from: "127.0.0.2", "v1", claiming: "198.51.100.15"), "closed", "a PROXY header from a stranger is no TLS")
            XCTAssertEqual(try hop(p, from: "127.0.0.5", "v2", claiming: "203.0.113.7"), "closed", "a named client outside [server] allow")
            XCTAssertEqual(try hop(p, from: "127.0.0.5", "none", xff: "203.0.113.8"), "403", "a named client outside [server] allow")
            XCTAssertEqual(try hop(p, from: "127.0.0.5", "v2", claiming: "198.51.100.16", token: p.token, push: (id, pw)), "200")
            let bound = try await f.bindResult(dn: f.userDN("alice"), password: Secret(pw))
            XCTAssertEqual(bound, 0)
        }
        let records = try p.auditRecords()
        let failedFrom = Set(records.filter { $0["event"] as? String == "auth_failed" }.compactMap { $0["client"] as? String })
        XCTAssertEqual(failedFrom, ["198.51.100.11", "198.51.100.12", "198.51.100.13", "127.0.0.5", "127.0.0.2"])
        let pushedFrom = Set(records.filter { $0["action"] as? String == "set_password" }.compactMap { $0["client"] as? String })
        XCTAssertEqual(pushedFrom, ["198.51.100.16"], "the push is on record with the client the proxy named")
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }, for: [pw]), [])
    }
}
