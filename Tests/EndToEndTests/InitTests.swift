import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest

/// `pwsync init --non-interactive` against the real slapd, then `serve` as an unprivileged
/// service user reading only what init gave its group, and one push through it.
final class InitTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    var state = ""
    var etc: String { "\(state)/etc" }
    var config: String { "\(etc)/pwsync.toml" }

    override func setUpWithError() throws {
        state = NSTemporaryDirectory() + "pwsync-init-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: state)
    }

    func initArguments(_ fixture: Fixture, port: Int, url: String? = nil) -> [String] {
        ["init", "--config", config, "--non-interactive", "--directory", "openldap", "--url", url ?? fixture["LDAPS_URL"],
         "--user-base", fixture.userBase, "--bind-dn", fixture.bindDN, "--bind-password-file", fixture["BIND_PASSWORD_FILE"],
         "--ca-file", fixture.caFile, "--hostname", "pwsync.test", "--listen", "127.0.0.1:\(port)",
         "--audit-path", "\(state)/log/audit.jsonl", "--self-signed", "--key-type", "ecdsa", "--service-user", "nobody"]
    }

    func run(_ args: [String], log: String) throws -> (status: Int32, output: String) {
        let path = "\(state)/\(log)"
        let status = try runWithCleanSignals(PwsyncProcess.binary, args, output: path)
        return (status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    func testInitThenServeAsTheServiceUserAndPush() async throws {
        let fixture = try Fixture.load(.openldap)
        let port = try Loopback.freePort()
        let (status, output) = try run(initArguments(fixture, port: port), log: "init.out")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("connected   bound as \(fixture.bindDN)"), output)
        XCTAssertTrue(output.contains("SCIM connector base URL            https://pwsync.test:\(port)/scim/v2"), output)
        XCTAssertTrue(output.contains("Okta does not trust it"), "the lab certificate is labelled: \(output)")
        let lines = output.split(separator: "\n").map(String.init)
        let tokenLine = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("Okta's API token") })
        let token = lines[tokenLine + 1].trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(token.count, 64)

        // Owners and modes: root and the service user's group, nothing for others.
        for (path, mode) in [(config, 0o640), ("\(etc)/bind-password", 0o640), ("\(etc)/tls/pwsync.key", 0o640),
                             ("\(etc)/tls/pwsync.pem", 0o644), ("\(etc)/tls", 0o750)] {
            let a = try FileManager.default.attributesOfItem(atPath: path)
            XCTAssertEqual((a[.posixPermissions] as? NSNumber)?.intValue, mode, path)
            XCTAssertEqual(a[.ownerAccountName] as? String, "root", path)
            XCTAssertEqual(a[.groupOwnerAccountName] as? String, "nogroup", path)
        }
        let text = try String(contentsOfFile: config, encoding: .utf8)
        XCTAssertFalse(text.contains(token), "only the token's hash is stored")
        XCTAssertTrue(text.contains("hash = \"pwsync-sha256$"))

        // Served as nobody: everything it reads came from init.
        let serve = try spawnWithCleanSignals("/usr/sbin/runuser", ["-u", "nobody", "--", PwsyncProcess.binary, "serve", "--config", config],
                                              wait: false, output: "\(state)/serve.out")
        defer {
            kill(serve, SIGTERM)
            var s: Int32 = 0
            waitpid(serve, &s, 0)
        }
        let headers = "\(state)/curl-headers"
        FileManager.default.createFile(atPath: headers, contents: Data("Authorization: Bearer \(token)\nContent-Type: application/scim+json\n".utf8),
                                       attributes: [.posixPermissions: 0o600])
        // The lab certificate is its own trust anchor, under the name init gave it.
        func curl(_ extra: [String], _ path: String, body: String? = nil) throws -> (status: Int32, output: String) {
            try PwsyncProcess.run("/usr/bin/curl", ["-s", "--max-time", "20", "--resolve", "pwsync.test:\(port):127.0.0.1",
                                                    "--cacert", "\(etc)/tls/pwsync.pem", "-H", "@\(headers)"] + extra + ["https://pwsync.test:\(port)\(path)"],
                                  input: body)
        }
        var up = false
        for _ in 0..<100 where !up {
            up = try curl(["-o", "/dev/null", "-w", "%{http_code}"], "/health").output == "200"
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        XCTAssertTrue(up, "serve did not come up: \((try? String(contentsOfFile: "\(state)/serve.out", encoding: .utf8)) ?? "")")
        let list = try curl([], "/scim/v2/Users?filter=userName%20eq%20%22alice%22")
        let json = try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [String: Any]
        let id = try XCTUnwrap((json?["Resources"] as? [[String: Any]])?.first?["id"] as? String, list.output)
        let password = Canary.make("init")
        let body = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"\#(password)"}}]}"#
        let push = try curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH", "--data-binary", "@-"], "/scim/v2/Users/\(id)", body: body)
        XCTAssertEqual(push.output, "200")
        let bind = try await fixture.bindResult(dn: fixture.userDN("alice"), password: Secret(password))
        XCTAssertEqual(bind, 0, "the pushed password binds")

        let bindPassword = try fixture.bindPassword().withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        let outputs = Canary.files(under: state).filter { !$0.hasSuffix("/bind-password") }
        XCTAssertEqual(Canary.scan(files: outputs, for: [password, bindPassword]), [])
    }

    func testBadAnswersWriteNothingAndAWorkingConfigIsKept() throws {
        let fixture = try Fixture.load(.openldap)
        let port = try Loopback.freePort()
        let plain = fixture["LDAP_URL"]
        let refused = try run(initArguments(fixture, port: port, url: plain), log: "refused.out")
        XCTAssertEqual(refused.status, 64, refused.output)
        XCTAssertTrue(refused.output.contains("\(plain) is not encrypted: use ldaps://, or add --starttls"), refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: etc), "nothing written: \(refused.output)")

        // Refused by the config validator itself (its message, named by the flag): still nothing written.
        let byName = fixture["LDAPS_URL"].replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let validated = try run(initArguments(fixture, port: port, url: byName), log: "validated.out")
        XCTAssertEqual(validated.status, 64, validated.output)
        XCTAssertTrue(validated.output.contains("init: --url: \(byName): use 127.0.0.1 or the server's real name"), validated.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: etc), "nothing written: \(validated.output)")

        var missing = initArguments(fixture, port: port)
        missing.removeSubrange(missing.firstIndex(of: "--user-base")!...missing.firstIndex(of: "--user-base")! + 1)
        let incomplete = try run(missing, log: "incomplete.out")
        XCTAssertEqual(incomplete.status, 64, incomplete.output)
        XCTAssertTrue(incomplete.output.contains("--user-base"), incomplete.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: config))

        XCTAssertEqual(try run(initArguments(fixture, port: port), log: "first.out").status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: config))
        let again = try run(initArguments(fixture, port: port), log: "again.out")
        XCTAssertEqual(again.status, 73, again.output)
        XCTAssertTrue(again.output.contains("pass --force"), again.output)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: config)), before, "a working config is kept")
        let forced = try run(initArguments(fixture, port: port) + ["--force"], log: "forced.out")
        XCTAssertEqual(forced.status, 0, forced.output)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: config)), before, "--force makes a new token")
    }
}
