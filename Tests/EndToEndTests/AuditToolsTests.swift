import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest

/// The audit log of a real run: SIGHUP reopen (what logrotate's postrotate does) keeps one chain
/// across files, and `pwsync audit verify|show|stats` read it back; tampering is caught.
final class AuditToolsTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func testRotationBySIGHUPAndTheReviewTools() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f, logLevel: "debug")
        try await p.start()
        var pushed: [String] = []
        do {
            let found = try await p.lookup("dave")
            let id = try XCTUnwrap(found)
            for tag in ["x", "y"] {
                let pw = Canary.make(tag)
                pushed.append(pw)
                let r = try await p.pushPassword(id: id, pw)
                XCTAssertEqual(r.status, 200)
            }
            XCTAssertEqual(rename(p.auditPath, p.auditPath + ".1"), 0)
            kill(p.process.processIdentifier, SIGHUP)
            for _ in 0..<50 where !FileManager.default.fileExists(atPath: p.auditPath) { try await Task.sleep(for: .milliseconds(100)) }
            XCTAssertTrue(p.process.isRunning, "SIGHUP must not kill pwsync")
            let pw = Canary.make("z")
            pushed.append(pw)
            let r = try await p.pushPassword(id: id, pw)
            XCTAssertEqual(r.status, 200)
            let bound = try await f.bindResult(dn: f.userDN("dave"), password: Secret(pw))
            XCTAssertEqual(bound, 0)
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()

        let verify = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "verify", "--log", p.auditPath])
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertTrue(verify.output.hasPrefix("OK   "), verify.output)
        XCTAssertTrue(verify.output.contains("in 2 files"), verify.output)
        let newFile = try String(contentsOfFile: p.auditPath, encoding: .utf8)
        XCTAssertTrue(newFile.hasPrefix("{") && newFile.contains("\"event\":\"reopen\""), "the new file starts with the reopen record")

        let show = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "show", "--log", p.auditPath, "--user", "dave", "--outcome", "success"])
        XCTAssertEqual(show.status, 0)
        let rows = show.output.split(separator: "\n")
        XCTAssertEqual(rows.count, 4, show.output)  // header + 3 applied pushes
        XCTAssertTrue(rows[0].hasPrefix("TIME"))
        XCTAssertFalse(show.output.contains("\u{1B}["), "no colour when not a terminal")
        let json = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "show", "--log", p.auditPath, "--json", "--principal", "okta"])
        XCTAssertTrue(json.output.split(separator: "\n").allSatisfy { $0.hasPrefix("{") })
        let stats = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "stats", "--log", p.auditPath])
        XCTAssertTrue(stats.output.contains("applied/success  3"), stats.output)
        let badSince = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "show", "--log", p.auditPath, "--since", "yesterday"])
        XCTAssertNotEqual(badSince.status, 0)
        XCTAssertTrue(badSince.output.contains("RFC 3339"), badSince.output)

        // The journal (stderr) carries a one-line summary per record, secrets redacted.
        XCTAssertTrue(p.stderr.contains("audit applied"), "journal summaries")
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }, for: pushed), [])

        // Tampering with the rotated file is caught, naming the place.
        let rotated = p.auditPath + ".1"
        var lines = try String(contentsOfFile: rotated, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"user_name\":\"dave\"", with: "\"user_name\":\"eve\"")
        try lines.joined(separator: "\n").write(toFile: rotated, atomically: true, encoding: .utf8)
        let broken = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "verify", "--log", p.auditPath])
        XCTAssertEqual(broken.status, 1, broken.output)
        XCTAssertTrue(broken.output.contains("FAIL \(rotated):3: edited"), broken.output)
    }
}
