import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest

/// `pwsync set-password` and `pwsync rotate` through the running daemon's control socket, and
/// the scheduled rotation, against real directories; every outcome proved by a bind.
final class OperatorToolsTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func start(_ f: Fixture, _ extra: String = "") async throws -> PwsyncProcess {
        let p = try PwsyncProcess(fixture: f)
        try p.appendConfig("""
            [[scope]]
            name = "okta-only"
            mode = "random"
            users = ["bob"]
            \(extra)
            """)
        try await p.start()
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: p.controlSocket) { try await Task.sleep(for: .milliseconds(100)) }
        return p
    }

    func cli(_ p: PwsyncProcess, _ args: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        try PwsyncProcess.run(PwsyncProcess.binary, args + ["--socket", p.controlSocket], input: input)
    }

    func audit(_ p: PwsyncProcess) throws -> [[String: Any]] { try p.auditRecords() }

    func testSetPasswordAndRotateOnOpenLDAP() async throws { try await setPasswordAndRotate(.openldap) }
    func testSetPasswordAndRotateOnActiveDirectory() async throws { try await setPasswordAndRotate(.samba) }

    func setPasswordAndRotate(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try await start(f)
        var sent: [String] = []
        try await p.serving(alreadyStarted: true) {
            // --random --output: a new 0600 file whose password binds; never overwritten.
            let file = p.state + "/carol.pw"
            let r = try cli(p, ["set-password", "carol", "--random", "--output", file])
            XCTAssertEqual(r.status, 0, r.output)
            let written = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
            sent.append(written)
            XCTAssertGreaterThanOrEqual(written.count, 24)
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600)
            let bound = try await f.bindResult(dn: f.userDN("carol"), password: Secret(written))
            XCTAssertEqual(bound, 0, "the file's password is the account's")
            XCTAssertFalse(r.output.contains(written), "--output never prints it")
            let again = try cli(p, ["set-password", "carol", "--random", "--output", file])
            XCTAssertNotEqual(again.status, 0)
            XCTAssertTrue(again.output.contains("never overwrites"), again.output)
            let still = try await f.bindResult(dn: f.userDN("carol"), password: Secret(written))
            XCTAssertEqual(still, 0, "a refused --output changed nothing")
            let record = try audit(p).last { $0["operation"] as? String == "set_password" && $0["event"] as? String == "applied" }
            XCTAssertEqual(record?["principal"] as? String, "unix:root (uid 0)")
            XCTAssertEqual(record?["client"] as? String, "local")
            XCTAssertEqual(record?["mode"] as? String, "random")
            // --show refuses anything but a terminal.
            let show = try cli(p, ["set-password", "carol", "--random", "--show"])
            XCTAssertNotEqual(show.status, 0)
            XCTAssertTrue(show.output.contains("only to a terminal"), show.output)

            // --prompt reads standard input (not argv); the policy pre-check applies.
            let typed = Canary.make("t")
            sent.append(typed)
            let t = try cli(p, ["set-password", "carol", "--prompt"], input: typed)
            XCTAssertEqual(t.status, 0, t.output)
            let typedBinds = try await f.bindResult(dn: f.userDN("carol"), password: Secret(typed))
            XCTAssertEqual(typedBinds, 0)
            let short = try cli(p, ["set-password", "carol", "--prompt"], input: "Sh0rt!x")
            XCTAssertNotEqual(short.status, 0)
            if name == .samba { XCTAssertTrue(short.output.contains("too short: 7 < 8"), short.output) }
            let unknown = try cli(p, ["set-password", "nobody-here", "--random"])
            XCTAssertNotEqual(unknown.status, 0)
            XCTAssertTrue(unknown.output.contains("No user named 'nobody-here'"), unknown.output)

            // rotate --dry-run lists and changes nothing; rotate skips sync-mode accounts.
            let bobPassword = Canary.make("b")
            sent.append(bobPassword)
            let bobSet = try cli(p, ["set-password", "bob", "--prompt"], input: bobPassword)
            XCTAssertEqual(bobSet.status, 0, bobSet.output)
            let list = p.state + "/users.txt"
            try "bob\ncarol\nno-such-user\n".write(toFile: list, atomically: true, encoding: .utf8)
            let dry = try cli(p, ["rotate", "--users", list, "--dry-run"])
            XCTAssertEqual(dry.status, 1, "a name that matches no account is a failure: \(dry.output)")
            XCTAssertTrue(dry.output.contains("would rotate bob"), dry.output)
            XCTAssertTrue(dry.output.contains("skipped:sync_mode") && dry.output.contains("would_rotate"), dry.output)
            XCTAssertTrue(dry.output.contains("failed:user_not_found") && dry.output.contains("3 account(s)"), dry.output)
            try "bob\ncarol\n".write(toFile: list, atomically: true, encoding: .utf8)
            let bobStill = try await f.bindResult(dn: f.userDN("bob"), password: Secret(bobPassword))
            XCTAssertEqual(bobStill, 0, "a dry run changes nothing")
            let real = try cli(p, ["rotate", "--users", list, "--rate", "600"])
            XCTAssertEqual(real.status, 0, real.output)
            XCTAssertTrue(real.output.contains("rotated"), real.output)
            let bobAfter = try await f.bindResult(dn: f.userDN("bob"), password: Secret(bobPassword))
            XCTAssertEqual(bobAfter, 49, "bob (random mode) was rotated")
            let carolAfter = try await f.bindResult(dn: f.userDN("carol"), password: Secret(typed))
            XCTAssertEqual(carolAfter, 0, "carol (sync mode) was not")
            let rotated = try audit(p).filter { $0["operation"] as? String == "rotate_password" && $0["event"] as? String == "applied" }
            XCTAssertEqual(rotated.compactMap { $0["user_name"] as? String }, ["bob"])
            let scoped = try cli(p, ["rotate", "--scope", "no-such-scope"])
            XCTAssertNotEqual(scoped.status, 0)
            XCTAssertTrue(scoped.output.contains("No [[scope]] named 'no-such-scope'"), scoped.output)
            let filtered = try cli(p, ["rotate", "--filter", "(uid=bob", "--dry-run"])
            if name == .openldap { XCTAssertTrue(filtered.output.contains("malformed"), filtered.output) }

            // Someone outside root and the pwsync group cannot use the socket.
            let nobody = try PwsyncProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", PwsyncProcess.binary,
                                                                    "set-password", "carol", "--random", "--socket", p.controlSocket])
            XCTAssertNotEqual(nobody.status, 0)
            XCTAssertTrue(nobody.output.contains("cannot reach the pwsync daemon") || nobody.output.contains("Only root"), nobody.output)
        }
        let verify = try p.verifyAudit()
        XCTAssertEqual(verify.status, 0, verify.output)
        let files = Canary.files(under: p.state).filter { !$0.hasSuffix(".key") && !$0.hasSuffix("carol.pw") } + p.capturedProcessFiles()
        XCTAssertEqual(Canary.scan(files: files, for: sent), [])
    }

    func testScheduledRotationOnOpenLDAP() async throws { try await scheduledRotation(.openldap) }
    func testScheduledRotationOnActiveDirectory() async throws { try await scheduledRotation(.samba) }

    /// 50 accounts in a random scope with a 30-second rotation at 600 a minute: all rotated once due,
    /// proved by their old passwords failing; a fresh daemon (new state, same config) right after
    /// does not rotate them again, because when an account is due comes from the directory.
    func scheduledRotation(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let names = (1...50).map { String(format: "rot%02d-%@", $0, String(UUID().uuidString.prefix(6)).lowercased()) }
        let initial = Canary.make("r")
        let c = try await LDAPConnection.connect(f.options())
        try await c.simpleBind(dn: f.bindDN, password: try f.bindPassword())
        let dns = names.map { f.userDN($0) }
        for (n, dn) in zip(names, dns) {
            if name == .openldap {
                try await c.add(dn: dn, [
                    LDAPModification(.add, "objectClass", ["top", "person", "organizationalPerson", "inetOrgPerson"].map { .string($0) }),
                    LDAPModification(.add, "uid", [.string(n)]), LDAPModification(.add, "cn", [.string(n)]),
                    LDAPModification(.add, "sn", [.string("Rotation")]), LDAPModification(.add, "userPassword", [.secret(Secret(initial))]),
                ])
            } else {
                try await c.add(dn: dn, [
                    LDAPModification(.add, "objectClass", ["top", "person", "organizationalPerson", "user"].map { .string($0) }),
                    LDAPModification(.add, "sAMAccountName", [.string(n)]), LDAPModification(.add, "userAccountControl", [.string("512")]),
                    LDAPModification(.add, "unicodePwd", [.secret(try XCTUnwrap(Secret(initial).activeDirectoryUnicodePwd()))]),
                ])
            }
        }
        let created = ContinuousClock.now
        // Other tests count the fixture's users: these go again, whatever happens.
        func cleanUp() async {
            for dn in dns { try? await c.delete(dn: dn) }
            await c.close()
        }
        do {
            let users = names.map { "\"\($0)\"" }.joined(separator: ", ")
            let config = """
                [[scope]]
                name = "kiosks"
                mode = "random"
                users = [\(users)]

                [[rotation]]
                scope = "kiosks"
                interval = "30s"
                rate_per_minute = 600
                """
            let first = try PwsyncProcess(fixture: f)
            try first.appendConfig(config)
            var records: [[String: Any]] = []
            try await first.serving {
                for _ in 0..<600 {
                    records = try audit(first).filter { $0["operation"] as? String == "rotate_password" && $0["event"] as? String == "applied" }
                    if records.count >= names.count { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            XCTAssertEqual(Set(records.compactMap { $0["user_name"] as? String }), Set(names))
            XCTAssertEqual(records.compactMap { $0["principal"] as? String }.first, "rotation:kiosks")
            let times = records.compactMap { ($0["time"] as? String).flatMap(Self.seconds) }.sorted()
            if let a = times.first, let b = times.last, times.count == names.count {
                let perMinute = Double(names.count - 1) / max(b - a, 0.001) * 60
                print("scheduled rotation (\(name)): \(names.count) accounts in \(String(format: "%.2f", b - a)) s = \(Int(perMinute)) a minute (limit 600), first \(String(format: "%.1f", (ContinuousClock.now - created) / .seconds(1))) s after creation")
                XCTAssertLessThanOrEqual(perMinute, 600 * 1.05, "the rate limit holds")
            }
            for dn in dns {
                let old = try await f.bindResult(dn: dn, password: Secret(initial))
                XCTAssertEqual(old, 49, "\(dn) was rotated")
            }
            // A new daemon, nothing local carried over: none is due again within the interval.
            let second = try PwsyncProcess(fixture: f)
            try second.appendConfig(config)
            try await second.serving { try await Task.sleep(for: .seconds(6)) }
            let again = try audit(second).filter { $0["operation"] as? String == "rotate_password" }
            XCTAssertEqual(again.count, 0, "a restart does not rotate them again")
            XCTAssertEqual(Canary.scan(files: Canary.files(under: first.state).filter { !$0.hasSuffix(".key") }, for: [initial]), [])
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// "2026-11-30T23:04:38.123Z" as seconds within the day (enough to measure a rate).
    static func seconds(_ t: String) -> Double? {
        let parts = t.dropFirst(11).dropLast().split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let s = Double(parts[2]) else { return nil }
        return h * 3600 + m * 60 + s
    }
}
