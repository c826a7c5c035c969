import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest

/// The HTTPS endpoint as a TLS client sees it: TLS 1.2 and 1.3 only, the configured chain served.
final class HTTPSTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func testOnlyTLS12AndNewerAreAccepted() async throws {
        let p = try PwsyncProcess(fixture: try Fixture.load(.openldap))
        try await p.start()
        defer { Task { try? await p.stop() } }
        for version in ["-tls1_2", "-tls1_3"] {
            let (status, out) = try handshake(port: p.port, ca: p.fixture.caFile, version)
            XCTAssertEqual(status, 0, "\(version) must be accepted:\n\(out)")
            XCTAssertTrue(out.contains("Verify return code: 0 (ok)"), out)
        }
        // Lower the client's own floor so that a refusal can only come from pwsync.
        for version in ["-tls1", "-tls1_1"] {
            let (status, out) = try handshake(port: p.port, ca: p.fixture.caFile, version, "-cipher", "DEFAULT:@SECLEVEL=0")
            XCTAssertNotEqual(status, 0, "\(version) must be refused:\n\(out)")
            XCTAssertFalse(out.contains("Cipher is ") && !out.contains("Cipher is (NONE)"), out)
        }
    }

    func testTLS12OffersOnlyForwardSecretAEADSuites() async throws {
        let p = try PwsyncProcess(fixture: try Fixture.load(.openldap))
        try await p.start()
        defer { Task { try? await p.stop() } }
        for good in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"] {
            let (status, out) = try handshake(port: p.port, ca: p.fixture.caFile, "-tls1_2", "-cipher", good)
            XCTAssertEqual(status, 0, "\(good) must be accepted:\n\(out)")
        }
        for weak in ["ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA", "AES128-GCM-SHA256", "AES256-SHA", "DES-CBC3-SHA"] {
            let (status, out) = try handshake(port: p.port, ca: p.fixture.caFile, "-tls1_2", "-cipher", "\(weak):@SECLEVEL=0")
            XCTAssertNotEqual(status, 0, "\(weak) must be refused:\n\(out)")
        }
    }

    func handshake(port: Int, ca: String, _ args: String...) throws -> (Int32, String) {
        try PwsyncProcess.run("/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error"] + args)
    }
}

/// `pwsync check-config --connect`: what an admin runs before pointing Okta at pwsync.
final class CheckConfigTests: XCTestCase, @unchecked Sendable {
    func run(_ args: [String]) throws -> (Int32, String) {
        try PwsyncProcess.run(PwsyncProcess.binary, args)
    }

    /// Run as root, where every file is readable, check-config checks access as the account
    /// serve runs as (`--as-user`, here nobody): each file it cannot read, and the audit folder
    /// it cannot write, fails the check with its line and a fix; the printed fixes work, and
    /// the user can then really read what the check says it can.
    func testAsRootFileAccessIsCheckedAsTheServiceUser() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        defer { Task { try? await p.client.shutdown() } }
        // Private copies: the fixes change owners and groups.
        try FileManager.default.copyItem(atPath: f.caFile, toPath: p.state + "/ca.pem")
        try FileManager.default.copyItem(atPath: f["BIND_PASSWORD_FILE"], toPath: p.state + "/bind-password")
        try p.editConfig(replacing: "ca_file = \"\(f.caFile)\"", with: "ca_file = \"\(p.state)/ca.pem\"")
        try p.editConfig(replacing: f["BIND_PASSWORD_FILE"], with: p.state + "/bind-password")
        chmod(p.state, 0o750)
        var (status, out) = try run(["check-config", "--as-user", "nobody", "--config", p.configPath])
        XCTAssertEqual(status, 78, out)
        XCTAssertTrue(out.contains("file access checked as user nobody"), out)
        XCTAssertTrue(out.contains("pwsync.toml:1: user nobody cannot enter \(p.state) (root:root 0750); fix: chgrp nogroup \(p.state) && chmod g+x \(p.state)"), out)
        var rounds = 0
        while status != 0 && rounds < 6 {
            rounds += 1
            let fixes = out.split(separator: "\n").compactMap { line in line.range(of: "; fix: ").map { String(line[$0.upperBound...]) } }
            XCTAssertFalse(fixes.isEmpty, out)
            for fix in fixes { XCTAssertEqual(try PwsyncProcess.run("/bin/bash", ["-c", fix]).status, 0, fix) }
            (status, out) = try run(["check-config", "--as-user", "nobody", "--config", p.configPath])
        }
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains(": OK"), out)
        for path in ["\(p.state)/tls/pwsync.key", "\(p.state)/bind-password", "\(p.state)/ca.pem"] {
            XCTAssertEqual(try PwsyncProcess.run("/usr/sbin/runuser", ["-u", "nobody", "--", "test", "-r", path]).status, 0, path)
        }
        XCTAssertEqual(try PwsyncProcess.run("/usr/sbin/runuser", ["-u", "nobody", "--", "test", "-w", p.state]).status, 0)
    }

    func testConnectBindsAndCountsUsersOnBothDirectories() async throws {
        for name in Fixture.Name.allCases {
            let p = try PwsyncProcess(fixture: try Fixture.load(name))
            let (status, out) = try run(["check-config", "--connect", "--config", p.configPath])
            XCTAssertEqual(status, 0, out)
            XCTAssertTrue(out.contains("4 user(s) under the user base"), out)
            try await p.client.shutdown()
        }
    }

    /// The password rules each directory states, whether resets meet the history, and each scope;
    /// a scope naming a DN the directory does not have fails the check with its line.
    func testConnectPrintsThePasswordPolicyAndChecksScopes() async throws {
        let slapd = try PwsyncProcess(fixture: try Fixture.load(.openldap))
        try slapd.appendConfig("[openldap]\nppolicy_default = \"cn=default,ou=policies,dc=test\"\n")
        let (s1, out1) = try run(["check-config", "--connect", "--config", slapd.configPath])
        print("check-config --connect (slapd):\n\(out1)")
        XCTAssertEqual(s1, 0, out1)
        XCTAssertTrue(out1.contains("policy      ppolicy cn=default,ou=policies,dc=test: minimum length 8, complexity off, history 3, minimum age 0 s"), out1)
        XCTAssertTrue(out1.contains("history     enforced on resets"), out1)
        try await slapd.client.shutdown()

        let f = try Fixture.load(.samba)
        let samba = try PwsyncProcess(fixture: f)
        try samba.appendConfig("""
            [[scope]]
            name = "okta-only"
            mode = "random"
            group = "\(f["RANDOM_GROUP_DN"])"
            """)
        let (s2, out2) = try run(["check-config", "--connect", "--config", samba.configPath])
        print("check-config --connect (Samba):\n\(out2)")
        XCTAssertEqual(s2, 0, out2)
        XCTAssertTrue(out2.contains("policy      domain policy DC=samdom,DC=test: minimum length 8, complexity on, history 3, minimum age 0 s"), out2)
        XCTAssertTrue(out2.contains("history     not enforced on resets: this DC has no policy-hints control"), out2)
        XCTAssertTrue(out2.contains("scope       okta-only: random for members of CN=okta-only"), out2)
        try samba.appendConfig("""

            [[scope]]
            name = "gone"
            mode = "random"
            subtree = "OU=Gone,\(f.userBase)"
            """)
        let (s3, out3) = try run(["check-config", "--connect", "--config", samba.configPath])
        XCTAssertEqual(s3, 78, out3)
        XCTAssertTrue(out3.contains("pwsync.toml:") && out3.contains("gone: random for entries under OU=Gone") && out3.contains("no such entry"), out3)
        try await samba.client.shutdown()
    }

    /// No `urls`: the domain's SRV records (`_ldap._tcp.dc._msdcs.samdom.test`, served in the test
    /// namespace) name the DC; check-config connects to it by name, and a push through it binds.
    /// A domain without records is refused with the name looked up.
    func testServersAreFoundInDNS() async throws {
        let f = try Fixture.load(.samba)
        let p = try PwsyncProcess(fixture: f)
        try p.editConfig(replacing: "urls = [\"\(f["LDAPS_URL"])\"]", with: "discover_domain = \"samdom.test\"")
        let (status, out) = try run(["check-config", "--connect", "--config", p.configPath])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("directory   active_directory ldaps://dc1.samdom.test"), out)
        XCTAssertTrue(out.contains("4 user(s) under the user base"), out)
        let pw = Canary.make("s")
        try await p.serving {
            let found = try await p.lookup("carol")
            let id = try XCTUnwrap(found)
            let r = try await p.pushPassword(id: id, pw)
            XCTAssertEqual(r.status, 200)
        }
        let bound = try await f.bindResult(dn: f.userDN("carol"), password: Secret(pw))
        XCTAssertEqual(bound, 0)
        XCTAssertTrue(p.stderr.contains("directory servers found in DNS"), p.stderr)

        let q = try PwsyncProcess(fixture: f)
        try q.editConfig(replacing: "urls = [\"\(f["LDAPS_URL"])\"]", with: "discover_domain = \"nowhere.test\"")
        let (s2, out2) = try run(["check-config", "--connect", "--config", q.configPath])
        XCTAssertEqual(s2, 69, out2)
        XCTAssertTrue(out2.contains("no SRV records for _ldap._tcp.dc._msdcs.nowhere.test"), out2)
        try await q.client.shutdown()
    }

    func testConnectReportsAnUntrustedDirectoryCertificate() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try p.editConfig(replacing: "ca_file = \"\(f.caFile)\"", with: "ca_file = \"/etc/ssl/certs/ca-certificates.crt\"")
        let (status, out) = try run(["check-config", "--connect", "--config", p.configPath])
        XCTAssertEqual(status, 69, out)
        XCTAssertTrue(out.contains("TLS handshake failed"), out)
        try await p.client.shutdown()
    }
}
