import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// An unauthenticated stranger against a real `pwsync serve`: silent sockets, slowloris, stalled
/// bodies and connection floods are cut off by the configured limits; failed logins cannot flood
/// the audit log or the journal; ambiguous JSON and unsafe file modes are refused.
final class HostileClientTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func start(_ extra: String) async throws -> PwsyncProcess {
        let p = try PwsyncProcess(fixture: try Fixture.load(.openldap))
        try p.editConfig(replacing: "[[server.tokens]]", with: extra + "\n\n[[server.tokens]]")
        try await p.start()
        return p
    }

    func withServer(_ extra: String, _ body: (PwsyncProcess) async throws -> Void) async throws {
        let p = try await start(extra)
        do { try await body(p) } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
    }

    /// A raw TCP connection from `source`; returns the socket.
    func connect(_ port: Int, from source: String = "127.0.0.1") throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let ok = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
            && withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
        guard ok else { throw Fixture.Missing(description: "cannot connect: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Seconds until the server closes `fd` (EOF or reset), or nil when it is still open after `limit`.
    func secondsUntilClosed(_ fd: Int32, limit: Double) -> Double? {
        let start = Date()
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < limit {
            if poll(&p, 1, 100) > 0 {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { return Date().timeIntervalSince(start) }
            }
        }
        return nil
    }

    /// `openssl s_client` as a TLS client we can starve: writes `chunks` with `gap` between them.
    func tlsClient(_ port: Int, ca: String, chunks: [String], gap: Double) throws -> (Process, start: Date) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["s_client", "-quiet", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error"]
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let start = Date()
        let writer = input.fileHandleForWriting
        Thread.detachNewThread {
            for c in chunks {
                Thread.sleep(forTimeInterval: gap)
                try? writer.write(contentsOf: Data(c.utf8))
            }
            Thread.sleep(forTimeInterval: 120)  // keep stdin open: only the server may end this
        }
        return (p, start)
    }

    func waitForExit(_ p: Process, limit: Double) -> Bool {
        let end = Date().addingTimeInterval(limit)
        while p.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        defer { if p.isRunning { p.terminate() } }
        return !p.isRunning
    }

    func testSilentSlowAndStalledClientsAreClosedWithinTheirTimeouts() async throws {
        try await withServer("""
            tls_handshake_timeout_seconds = 2
            request_head_timeout_seconds = 2
            request_body_timeout_seconds = 2
            idle_timeout_seconds = 3
            """) { p in
        let ca = "\(p.state)/tls/ca.pem"
        // A raw TCP connection that never says anything (no ClientHello).
        let raw = try connect(p.port)
        let closedRaw = secondsUntilClosed(raw, limit: 8)
        close(raw)
        XCTAssertNotNil(closedRaw, "a silent socket stays open")
        XCTAssertLessThan(closedRaw ?? 99, 5)
        // Half a ClientHello.
        let half = try connect(p.port)
        _ = [UInt8]([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).withUnsafeBytes { write(half, $0.baseAddress, $0.count) }
        XCTAssertNotNil(secondsUntilClosed(half, limit: 8), "half a ClientHello stays open")
        close(half)
        // TLS up, then nothing.
        let (silent, _) = try tlsClient(p.port, ca: ca, chunks: [], gap: 0)
        XCTAssertTrue(waitForExit(silent, limit: 8), "a silent TLS connection stays open")
        // Slowloris: one header byte every half second.
        let head = "GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + String(repeating: "a", count: 40)
        let (slow, _) = try tlsClient(p.port, ca: ca, chunks: head.map(String.init), gap: 0.5)
        XCTAssertTrue(waitForExit(slow, limit: 10), "a slowloris client stays open")
        // A body that stops half way.
        let stalled = "PATCH /scim/v2/Users/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{\"schemas\":"
        let (body, _) = try tlsClient(p.port, ca: ca, chunks: [stalled], gap: 0.2)
        XCTAssertTrue(waitForExit(body, limit: 8), "a stalled body stays open")
        // The service is still fine.
        let found = try await p.lookup("alice")
        XCTAssertNotNil(found)
        }
    }

    /// With one address at its cap, that address is refused at once (TCP close), and another
    /// client, Okta say, still gets its push through.
    func testConnectionCapPerClientLeavesOthersServed() async throws {
        try await withServer("""
            max_connections = 64
            max_connections_per_client = 4
            tls_handshake_timeout_seconds = 30
            """) { p in
        var held: [Int32] = []
        for _ in 0..<4 { held.append(try connect(p.port, from: "127.0.0.3")) }
        try await Task.sleep(for: .milliseconds(300))
        let refused = try connect(p.port, from: "127.0.0.3")
        let closed = secondsUntilClosed(refused, limit: 3)
        XCTAssertNotNil(closed, "over the per-client cap: refused")
        XCTAssertLessThan(closed ?? 99, 1, "refused at once, not after a timeout")
        close(refused)
        // Another address: a real push, through curl from 127.0.0.2.
        let found = try await p.lookup("alice")
        let alice = try XCTUnwrap(found)
        let pw = Canary.make("cap")
        let body = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"\#(pw)"}}]}"#
        // Body and token go through files, never argv.
        try body.write(toFile: "\(p.state)/body.json", atomically: true, encoding: .utf8)
        try "Authorization: Bearer \(p.token)\nContent-Type: application/scim+json\n".write(toFile: "\(p.state)/headers", atomically: true, encoding: .utf8)
        let curl = try PwsyncProcess.run("/usr/bin/curl", [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", "127.0.0.2", "--cacert", "\(p.state)/tls/ca.pem",
            "-X", "PATCH", "-H", "@\(p.state)/headers",
            "--data-binary", "@\(p.state)/body.json", "https://127.0.0.1:\(p.port)/scim/v2/Users/\(alice)"])
        try? FileManager.default.removeItem(atPath: "\(p.state)/body.json")
        try? FileManager.default.removeItem(atPath: "\(p.state)/headers")
        XCTAssertEqual(curl.output, "200")
        let bound = try await p.fixture.bindResult(dn: p.fixture.userDN("alice"), password: Secret(pw))
        XCTAssertEqual(bound, 0)
        held.forEach { close($0) }
        }
    }

    func testFailedAuthenticationsCannotFloodTheAuditLogOrTheJournal() async throws {
        let p = try await start("")
        let n = 2000
        // curl --parallel: 2,000 wrong tokens, 8 at a time, each on its own connection.
        var cfg = "header = \"Authorization: Bearer wrong\"\n"
        for i in 0..<n { cfg += "url = \"https://127.0.0.1:\(p.port)/scim/v2/Users?i=\(i)\"\noutput = \"/dev/null\"\nwrite-out = \"%{http_code}\\n\"\n" }
        try cfg.write(toFile: "\(p.state)/flood.cfg", atomically: true, encoding: .utf8)
        let flood = try PwsyncProcess.run("/usr/bin/curl", ["-s", "--parallel", "--parallel-max", "8", "--cacert", "\(p.state)/tls/ca.pem",
                                                            "-K", "\(p.state)/flood.cfg"])
        var statuses: [Int: Int] = [:]
        for line in flood.output.split(separator: "\n") { if let code = Int(line) { statuses[code, default: 0] += 1 } }
        let okStill = try await p.request(.GET, "/scim/v2/Users?count=1")
        try await p.stop()
        let answered = statuses.values.reduce(0, +)
        XCTAssertGreaterThanOrEqual(answered, n - 2, "\(statuses)")
        XCTAssertEqual(Set(statuses.keys), [401, 429], "refused, then throttled: \(statuses)")
        XCTAssertGreaterThan(statuses[429] ?? 0, n / 2)
        XCTAssertEqual(okStill.status, 200, "a valid token is served at once, whatever its address sent before (Okta's addresses are shared)")
        let records = try String(contentsOfFile: p.auditPath, encoding: .utf8).split(separator: "\n").filter { $0.contains("auth_failed") }
        XCTAssertLessThan(records.count, 50)
        let counted = records.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .reduce(0) { $0 + (($1["count"] as? Int) ?? 1) }
        XCTAssertEqual(counted, n, "every failure the server saw is accounted for, first ones and counts")
        let lines = p.stderr.split(separator: "\n").filter { $0.contains("authentication failed") }
        XCTAssertLessThan(lines.count, 10, "no journal line per failure")
    }

    func testDuplicateKeysAreRefused() async throws {
        try await withServer("") { p in
        let found = try await p.lookup("alice")
        let alice = try XCTUnwrap(found)
        for body in [#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"A1!aaaaaaaa","password":"B1!bbbbbbbb"}}]}"#,
                     #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"A1!aaaaaaaa","PASSWORD":"B1!bbbbbbbb"}}]}"#] {
            let r = try await p.request(.PATCH, "/scim/v2/Users/\(alice)", body: body)
            XCTAssertEqual(r.status, 400)
            XCTAssertEqual(r.json["scimType"] as? String, "invalidSyntax")
        }
        }
    }

    func testUnsafeFileModesStopServeWithExit78() async throws {
        for (what, file, mode) in [("config", "pwsync.toml", 0o666), ("TLS key", "tls/pwsync.key", 0o644), ("bind password", "", 0o602)] {
            let p = try PwsyncProcess(fixture: try Fixture.load(.openldap))
            var path = "\(p.state)/\(file)"
            if file.isEmpty {
                // A copy of the bind password, so the fixture's own file keeps its mode.
                path = "\(p.state)/bind.pw"
                try Data(try String(contentsOfFile: p.fixture["BIND_PASSWORD_FILE"], encoding: .utf8).utf8).write(to: URL(fileURLWithPath: path))
                try p.editConfig(replacing: "bind_password_file = \"\(p.fixture["BIND_PASSWORD_FILE"])\"", with: "bind_password_file = \"\(path)\"")
            }
            XCTAssertEqual(chmod(path, mode_t(mode)), 0)
            for command in [["serve"], ["check-config"]] {
                let r = try PwsyncProcess.run(PwsyncProcess.binary, command + ["--config", p.configPath])
                XCTAssertEqual(r.status, 78, "\(what) \(command): \(r.output)")
                XCTAssertTrue(r.output.contains("\(p.configPath):"), "file:line: \(r.output)")
                XCTAssertTrue(r.output.contains("chmod"), "says how to fix it: \(r.output)")
            }
            try await p.stop()
            try? FileManager.default.removeItem(atPath: p.state)
        }
    }
}
