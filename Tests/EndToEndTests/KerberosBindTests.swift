import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest

/// The Kerberos bind against the Samba AD DC and its KDC: a machine account's keytab, as on a
/// domain-joined host. The DC is reached by name (dc1.samdom.test, from the live suite's private
/// /etc/hosts), as its ldap/ service principal requires.
final class KerberosBindTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    enum Channel: String { case sealed, startTLS, ldaps }

    /// A pwsync for the Samba fixture that binds with `keytab` instead of the service account's password.
    func kerberosProcess(_ f: Fixture, channel: Channel, keytab: String? = nil, host: String? = nil,
                         krb5Config: String? = nil) throws -> PwsyncProcess {
        let p = try PwsyncProcess(fixture: f)
        let name = host ?? f["DC_NAME"]
        let url: String
        var keys = "bind = \"kerberos\"\nkerberos_keytab = \"\(keytab ?? f["HOST_KEYTAB"])\"\nkerberos_principal = \"\(f["KERBEROS_PRINCIPAL"])\""
        switch channel {
        case .sealed: url = "ldap://\(name)"; keys += "\nchannel = \"sealed\""
        case .startTLS: url = "ldap://\(name)"; keys += "\nstarttls = true"
        case .ldaps: url = "ldaps://\(name)"
        }
        try p.editConfig(replacing: "urls = [\"\(f["LDAPS_URL"])\"]", with: "urls = [\"\(url)\"]")
        try p.editConfig(replacing: "bind_dn = \"\(f.bindDN)\"\nbind_password_file = \"\(f["BIND_PASSWORD_FILE"])\"", with: keys)
        p.environment["KRB5_CONFIG"] = krb5Config ?? f["KRB5_CONFIG"]
        return p
    }

    /// A copy of the fixture's krb5.conf with one change, removed when the test ends.
    func krb5Config(_ f: Fixture, _ name: String, replacing old: String, with new: String) throws -> String {
        let path = "\(NSTemporaryDirectory())pwsync-krb5-\(name)-\(UUID().uuidString).conf"
        let text = try String(contentsOfFile: f["KRB5_CONFIG"], encoding: .utf8)
        XCTAssertTrue(text.contains(old), "the fixture's krb5.conf has \(old)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The keys in the fixture's keytabs (`klist -kK`), to prove none of them leaks.
    func keytabKeys(_ f: Fixture) throws -> [[UInt8]] {
        var keys: [[UInt8]] = []
        for keytab in [f["HOST_KEYTAB"], f["STALE_KEYTAB"]] {
            let out = try PwsyncProcess.run("/usr/bin/klist", ["-k", "-K", keytab])
            XCTAssertEqual(out.status, 0, out.output)
            for line in out.output.split(separator: "\n") {
                guard let open = line.range(of: "(0x"), let close = line.range(of: ")", range: open.upperBound..<line.endIndex) else { continue }
                let hex = Array(line[open.upperBound..<close.lowerBound].utf8)
                keys.append(stride(from: 0, to: hex.count - 1, by: 2).map { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)! })
            }
        }
        XCTAssertGreaterThanOrEqual(keys.count, 4, "the keytabs hold keys to look for")
        return keys
    }

    func testPushesAreAppliedOverGSSAPISealingAndOverTLS() async throws {
        let f = try Fixture.load(.samba)
        let keys = try keytabKeys(f)
        for channel in [Channel.sealed, .startTLS, .ldaps] {
            let p = try kerberosProcess(f, channel: channel)
            var pushed: [String] = []
            do {
                try await p.start()
                let found = try await p.lookup("bob")
                let id = try XCTUnwrap(found, "\(channel)")
                let pw = Canary.make("k")
                pushed.append(pw)
                let r = try await p.pushPassword(id: id, pw)
                XCTAssertEqual(r.status, 200, "\(channel): \(String(decoding: r.body, as: UTF8.self))")
                let bound = try await f.bindResult(dn: f.userDN("bob"), password: Secret(pw))
                XCTAssertEqual(bound, 0, "\(channel): the pushed password works in the directory")
                _ = p.capturedProcessFiles()  // its argv and environment, scanned below
            } catch {
                try? await p.stop()
                throw error
            }
            try await p.stop()

            // The start record names who binds (never a key); the log says which channel protects it.
            let audit = try String(contentsOfFile: p.auditPath, encoding: .utf8)
            let start = try XCTUnwrap(audit.split(separator: "\n").first { $0.contains("\"event\":\"start\"") })
            XCTAssertTrue(start.contains("\"principal\":\"kerberos:PWSYNCHOST$@SAMDOM.TEST\""), String(start))
            XCTAssertTrue(p.stderr.contains("kerberos ticket acquired"), p.stderr)

            let check = try runWithEnvironment(["check-config", "--config", p.configPath, "--connect"], p.environment)
            XCTAssertEqual(check.status, 0, check.output)
            XCTAssertTrue(check.output.contains("principal PWSYNCHOST$@SAMDOM.TEST, realm SAMDOM.TEST, KDC 127.0.0.1:88, ticket lifetime 10 h"), check.output)
            XCTAssertTrue(check.output.contains(channel == .sealed ? "over GSSAPI sealing on ldap:// (no TLS)" : "GSSAPI authenticates only"), check.output)

            let outputs = Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }
            XCTAssertEqual(Canary.scan(files: outputs, for: pushed), [], "\(channel)")
            XCTAssertEqual(Canary.scan(files: outputs, forKeys: keys), [], "\(channel): no keytab key in any output")
        }
    }

    /// What a misconfigured host sees: the start stops (exit 78) with the reason and what to do.
    func testEachUsualKerberosFailureStopsTheStartWithItsReason() async throws {
        let f = try Fixture.load(.samba)
        // MIT's default (kdc_timesync) quietly adopts the KDC's time; a DC's LDAP service does not.
        let skewed = try krb5Config(f, "skew", replacing: "[libdefaults]\n", with: "[libdefaults]\n\tkdc_timesync = 0\n")
        // libfaketime through its own wrapper: preloaded by hand, it hides argv from the Swift runtime.
        let cases: [(String, PwsyncProcess, [String], String)] = [
            ("stale keytab", try kerberosProcess(f, channel: .sealed, keytab: f["STALE_KEYTAB"]), [],
             "the KDC rejected the key for PWSYNCHOST$@SAMDOM.TEST in \(f["STALE_KEYTAB"]): the keytab is out of date"),
            ("missing SPN", try kerberosProcess(f, channel: .sealed, host: f["DC_ALIAS"]), [],
             "the KDC has no service principal ldap/\(f["DC_ALIAS"])@SAMDOM.TEST"),
            ("clock skew", try kerberosProcess(f, channel: .sealed, krb5Config: skewed),
             ["/usr/bin/faketime", "-f", "+1h"],
             "this host's clock differs from the domain controller's"),
            ("missing keytab", try kerberosProcess(f, channel: .sealed, keytab: "\(f["HOST_KEYTAB"]).gone"), [],
             "directory.kerberos_keytab: file \(f["HOST_KEYTAB"]).gone does not exist"),
        ]
        for (name, p, wrapper, expected) in cases {
            let out = try runWithEnvironment(["serve", "--config", p.configPath], p.environment.merging(["FAKETIME_DONT_FAKE_MONOTONIC": "1"]) { $1 },
                                             wrapper: wrapper)
            try await p.client.shutdown()
            XCTAssertEqual(out.status, 78, "\(name): \(out.output)")
            XCTAssertTrue(out.output.contains(expected), "\(name): \(out.output)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: p.auditPath), "\(name): refused before the audit log is taken")
        }
    }

    /// A KDC outage is the one Kerberos failure that mends itself: pwsync starts, and pushes are
    /// answered 429 (Okta retries them) and audited as deferred, never lost.
    func testAnUnreachableKDCDefersPushesInsteadOfStoppingTheStart() async throws {
        let f = try Fixture.load(.samba)
        let down = try krb5Config(f, "down", replacing: "kdc = 127.0.0.1", with: "kdc = 127.0.0.1:9")
        let p = try kerberosProcess(f, channel: .sealed, krb5Config: down)
        let pw = Canary.make("d")
        do {
            try await p.start()
            XCTAssertTrue(p.stderr.contains("cannot get a ticket yet"), p.stderr)
            let id = "00000000-0000-4000-8000-000000000000"
            let r = try await p.pushPassword(id: id, pw)
            XCTAssertEqual(r.status, 429, String(decoding: r.body, as: UTF8.self))
            XCTAssertNotNil(r.header("Retry-After").flatMap { Int($0) })
            XCTAssertTrue(String(decoding: r.body, as: UTF8.self).contains("KDC"), String(decoding: r.body, as: UTF8.self))
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }, for: [pw]), [])
    }

    /// A short ticket (Samba's KDC issues no service ticket from a TGT with less than about two
    /// minutes left, so 150 s is about the shortest that works): after it expired, the next push
    /// binds with a fresh one.
    func testTheTicketIsRenewedAndAPushAfterExpiryIsApplied() async throws {
        let f = try Fixture.load(.samba)
        let short = try krb5Config(f, "short", replacing: "[libdefaults]\n", with: "[libdefaults]\n\tticket_lifetime = 150s\n")
        let p = try kerberosProcess(f, channel: .sealed, krb5Config: short)
        do {
            try await p.start()
            let found = try await p.lookup("alice")
            let id = try XCTUnwrap(found)
            let first = Canary.make("r1")
            let r1 = try await p.pushPassword(id: id, first)
            XCTAssertEqual(r1.status, 200)
            let acquiredLine = p.stderr.split(separator: "\n").first { $0.contains("kerberos ticket acquired") } ?? ""
            XCTAssertTrue(acquiredLine.contains("150"), "the KDC issued the short ticket asked for: \(acquiredLine)")
            try await Task.sleep(for: .seconds(153))
            let second = Canary.make("r2")
            let r2 = try await p.pushPassword(id: id, second)
            XCTAssertEqual(r2.status, 200, String(decoding: r2.body, as: UTF8.self))
            let bound = try await f.bindResult(dn: f.userDN("alice"), password: Secret(second))
            XCTAssertEqual(bound, 0)
            let acquired = p.stderr.components(separatedBy: "kerberos ticket acquired").count - 1
            XCTAssertGreaterThanOrEqual(acquired, 2, "a second ticket was fetched after the first expired:\n\(p.stderr)")
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
    }

    /// Runs pwsync (behind `wrapper`, if any) with extra environment to completion (at most 60 s), stdout and stderr together.
    func runWithEnvironment(_ args: [String], _ env: [String: String], wrapper: [String] = []) throws -> (status: Int32, output: String) {
        let proc = Process()
        let argv = wrapper + [PwsyncProcess.binary] + args
        proc.executableURL = URL(fileURLWithPath: argv[0])
        proc.arguments = Array(argv.dropFirst())
        proc.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = Pipe()
        proc.standardOutput = out
        proc.standardError = out
        proc.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try proc.run()
        let killer = DispatchWorkItem { if proc.isRunning { proc.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        proc.waitUntilExit()
        killer.cancel()
        return (proc.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
