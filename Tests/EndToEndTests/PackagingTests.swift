import Foundation
import XCTest

/// The shipped systemd unit and the package's maintainer scripts, checked with systemd's and
/// the shell's own tools (the package itself is built by packaging/build-deb).
final class PackagingTests: XCTestCase {
    static let debian = PwsyncProcess.root + "/packaging/debian"

    /// `systemd-analyze security` rates the unit's sandbox at most 1.5 ("OK"), as shipped.
    func testTheUnitsSandboxScoresAtMostOnePointFive() throws {
        let r = try PwsyncProcess.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "\(Self.debian)/pwsync.service"])
        let line = try XCTUnwrap(r.output.split(separator: "\n").first { $0.contains("Overall exposure level") }, r.output)
        let score = try XCTUnwrap(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }, String(line))
        XCTAssertLessThanOrEqual(score, 1.5, String(line))
    }

    /// A config error must stop the unit, not loop: the config is checked by the main process
    /// (where RestartPreventExitStatus applies), never in ExecStartPre; a start limit backs it up.
    func testAConfigErrorStopsTheUnitInsteadOfLooping() throws {
        let unit = try String(contentsOfFile: "\(Self.debian)/pwsync.service", encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map(String.init))
        XCTAssertFalse(unit.contains("ExecStartPre="))
        XCTAssertTrue(lines.contains("RestartPreventExitStatus=78"))
        XCTAssertTrue(lines.contains("StartLimitBurst=5"))
        XCTAssertTrue(lines.contains("Restart=on-failure"))
    }

    /// The maintainer scripts are valid POSIX shell (dash is /bin/sh on Debian).
    func testTheMaintainerScriptsParseUnderDash() throws {
        for script in ["pwsync.postinst", "pwsync.prerm", "pwsync.postrm"] {
            let r = try PwsyncProcess.run("/bin/dash", ["-n", "\(Self.debian)/\(script)"])
            XCTAssertEqual(r.status, 0, "\(script): \(r.output)")
        }
    }
}
