import Foundation
import LDAP
import Secrets
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What operators rely on: one writer per audit log, health and readiness endpoints, systemd's
/// notify protocol, and a busy pool answering 429 within its deadline instead of hanging.
final class OperationsTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func testASecondServeExits75AndLeavesTheLiveLogIntact() async throws {
        let p = try PwsyncProcess(fixture: try Fixture.load(.openldap))
        try await p.start()
        do {
            let before = try String(contentsOfFile: p.auditPath, encoding: .utf8)
            let second = try PwsyncProcess.run(PwsyncProcess.binary, ["serve", "--config", p.configPath])
            XCTAssertEqual(second.status, 75, second.output)
            XCTAssertTrue(second.output.contains("another pwsync process"), second.output)
            XCTAssertEqual(try String(contentsOfFile: p.auditPath, encoding: .utf8), before, "the second instance wrote nothing")
            let found = try await p.lookup("alice")
            XCTAssertNotNil(found, "the first instance still serves")
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
        let verify = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "verify", "--log", p.auditPath])
        XCTAssertEqual(verify.status, 0, verify.output)
    }

    func testHealthAndReadiness() async throws {
        let f = try Fixture.load(.openldap)
        let up = try PwsyncProcess(fixture: f)
        try await up.start()
        let health = try await up.request(.GET, "/healthz", auth: .none)
        let ready = try await up.request(.GET, "/readyz", auth: .none)
        try await up.stop()
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(String(decoding: ready.body, as: UTF8.self), "ready\n", "nothing else revealed")

        // A directory that cannot be reached: alive, not ready.
        let down = try PwsyncProcess(fixture: f)
        try down.editConfig(replacing: "urls = [\"\(f["LDAPS_URL"])\"]", with: "urls = [\"ldaps://127.0.0.1:1\"]")
        try await down.start()
        let health2 = try await down.request(.GET, "/healthz", auth: .none)
        let ready2 = try await down.request(.GET, "/readyz", auth: .none)
        try await down.stop()
        XCTAssertEqual(health2.status, 200)
        XCTAssertEqual(ready2.status, 503)
        XCTAssertEqual(String(decoding: ready2.body, as: UTF8.self), "not ready\n")
    }

    func testSystemdIsToldReadyAndStopping() async throws {
        let path = NSTemporaryDirectory() + "notify-\(UUID().uuidString).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        XCTAssertEqual(bound, 0)
        defer { close(fd); unlink(path) }
        func receive(within seconds: Int32) -> String? {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, seconds * 1000) > 0 else { return nil }
            var buf = [UInt8](repeating: 0, count: 512)
            let n = recv(fd, &buf, buf.count, 0)
            return n > 0 ? String(decoding: buf[..<n], as: UTF8.self) : nil
        }
        let p = try PwsyncProcess(fixture: try Fixture.load(.openldap))
        p.process.environment = ProcessInfo.processInfo.environment.merging(["NOTIFY_SOCKET": path]) { $1 }
        try await p.start()
        let ready = receive(within: 5)
        try await p.stop()
        let stopping = receive(within: 5)
        XCTAssertTrue(ready?.hasPrefix("READY=1") ?? false, ready ?? "nothing")
        XCTAssertEqual(stopping, "STOPPING=1")
        XCTAssertEqual(p.process.terminationStatus, 0)
    }

    /// One pooled connection, a directory that stops answering, ten pushes: the first waits for
    /// its operation timeout; the others get 429 with Retry-After once the pool wait (0.5 s) is over.
    /// SIGTERM while a push waits on a directory that accepts but never answers: pwsync still
    /// exits within `shutdown_timeout_seconds` (plus a second to unwind), long before the
    /// operation timeout, with `stop` recorded and the log verifying.
    func testSIGTERMWhileTheDirectoryHangsExitsWithinTheBound() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try p.editConfig(replacing: "user_base = ", with: "operation_timeout_seconds = 12\nuser_base = ")
        try p.editConfig(replacing: "[[server.tokens]]", with: "shutdown_timeout_seconds = 2\n\n[[server.tokens]]")
        do { try await p.start() } catch {
            try? await p.stop()
            throw error
        }
        let pid = pid_t(try String(contentsOfFile: f["PID_FILE"], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        defer { kill(pid, SIGCONT) }
        let found = try? await p.lookup("dave")
        guard let dave = found ?? nil else {
            try? await p.stop()
            return XCTFail("dave not found")
        }
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        let push = Task { try? await p.pushPassword(id: dave, "Hang-\(UUID().uuidString.prefix(10))!4b").status }
        try await Task.sleep(for: .milliseconds(500))
        let stopped = Date()
        p.process.terminate()
        while p.process.isRunning, Date().timeIntervalSince(stopped) < 20 { try await Task.sleep(for: .milliseconds(50)) }
        let took = Date().timeIntervalSince(stopped)
        XCTAssertFalse(p.process.isRunning, "pwsync still running 20 s after SIGTERM")
        XCTAssertLessThan(took, 5, "shutdown_timeout_seconds = 2 bounds the stop (the operation timeout is 12 s)")
        XCTAssertEqual(p.process.terminationReason, .exit, "ended by itself, not by a signal or crash:\n\(p.stderr)")
        XCTAssertEqual(p.process.terminationStatus, 1, "a cut-off drain says so in the exit status")
        XCTAssertFalse(p.stderr.contains("Fatal error"), p.stderr)
        let status = await push.value
        XCTAssertNotEqual(status, 200, "a push that never reached the directory is not answered 200")
        kill(pid, SIGCONT)
        try await p.stop()
        let log = try String(contentsOfFile: p.auditPath, encoding: .utf8)
        XCTAssertTrue(log.split(separator: "\n").last?.contains(#""event":"stop""#) ?? false, "stop recorded last:\n\(log)")
        let verify = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "verify", "--log", p.auditPath])
        XCTAssertEqual(verify.status, 0, verify.output)
    }

    func testABusyPoolAnswers429WithinItsDeadline() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try p.editConfig(replacing: "user_base = ", with: "pool_size = 1\npool_wait_seconds = 0.5\noperation_timeout_seconds = 3\nuser_base = ")
        try await p.start()
        let pid = pid_t(try String(contentsOfFile: f["PID_FILE"], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        do {
            let found = try await p.lookup("bob")
            let bob = try XCTUnwrap(found)
            XCTAssertEqual(kill(pid, SIGSTOP), 0)
            let started = Date()
            let replies = try await withThrowingTaskGroup(of: (Int, Double, String?).self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        let r = try await p.request(.GET, "/scim/v2/Users/\(bob)")
                        return (r.status, Date().timeIntervalSince(started), r.header("Retry-After"))
                    }
                }
                var all: [(Int, Double, String?)] = []
                for try await r in group { all.append(r) }
                return all
            }
            kill(pid, SIGCONT)
            let busy = replies.filter { $0.0 == 429 }
            XCTAssertGreaterThanOrEqual(busy.count, 8, "\(replies)")
            XCTAssertTrue(busy.allSatisfy { Int($0.2 ?? "") != nil }, "every 429 carries an integer Retry-After: \(busy)")
            XCTAssertGreaterThanOrEqual(busy.filter { $0.1 < 1.5 }.count, 7, "waiting requests are answered once the pool wait is over: \(busy)")
            XCTAssertTrue(replies.allSatisfy { $0.1 < 4 }, "none outlives the operation timeout: \(replies)")
            let m = try await p.metrics()
            XCTAssertTrue(m.text.contains("\npwsync_http_429_total \(busy.count)\n"), "every 429 counted in /metrics:\n\(m.text)")
        } catch {
            kill(pid, SIGCONT)
            try? await p.stop()
            throw error
        }
        try await p.stop()
    }
}

/// `/metrics`: Prometheus text on its own loopback listener, with counters that match what was sent.
final class MetricsTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    /// The exposition as Prometheus' own Python parser reads it: `name{labels}` → value.
    func parse(_ text: String) throws -> [String: Double] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                    out[s.name + ("{" + labels + "}" if labels else "")] = s.value
            print(json.dumps(out))
            """
        let base = "\(NSTemporaryDirectory())metrics-\(UUID().uuidString)"
        try text.write(toFile: "\(base).txt", atomically: true, encoding: .utf8)
        try script.write(toFile: "\(base).py", atomically: true, encoding: .utf8)
        defer { for ext in ["txt", "py"] { try? FileManager.default.removeItem(atPath: "\(base).\(ext)") } }
        let r = try PwsyncProcess.run("/bin/sh", ["-c", "/usr/bin/python3 \(base).py < \(base).txt"])
        // Debian's python3-prometheus-client (scripts/lib/deps.sh), hence /usr/bin/python3.
        XCTAssertEqual(r.status, 0, "the Prometheus text parser refused the exposition: \(r.output)")
        let object = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Double]
        return try XCTUnwrap(object, r.output)
    }

    func testMetricsParseAndCountWhatWasSent() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try await p.start()
        do {
            let found = try await p.lookup("carol")
            let carol = try XCTUnwrap(found)
            let pushes = 4
            for _ in 0..<pushes {
                let r = try await p.pushPassword(id: carol, "Mx-\(UUID().uuidString.prefix(12))!7a")
                XCTAssertEqual(r.status, 200)
            }
            let missing = try await p.pushPassword(id: "00000000-0000-0000-0000-000000000000", "Mx-\(UUID().uuidString.prefix(12))!7a")
            XCTAssertEqual(missing.status, 404)
            let notHere = try await p.request(.GET, "/metrics", auth: .none)
            XCTAssertNotEqual(notHere.status, 200, "the SCIM port does not serve /metrics")

            let m = try await p.metrics()
            XCTAssertEqual(m.status, 200)
            XCTAssertEqual(m.contentType?.hasPrefix("text/plain; version=0.0.4"), true, "\(m.contentType ?? "none")")
            let samples = try parse(m.text)
            XCTAssertEqual(samples[#"pwsync_decisions_total{action="set_password",outcome="success",reason="none"}"#], Double(pushes), "\(samples.keys.sorted())")
            XCTAssertEqual(samples[#"pwsync_decisions_total{action="none",outcome="failure",reason="user_not_found"}"#], 1)
            XCTAssertGreaterThanOrEqual(samples["pwsync_audit_write_seconds_count"] ?? 0, Double(2 * pushes + 2), "start + two per push + the 404")
            XCTAssertGreaterThanOrEqual(samples[#"pwsync_directory_pool_connections{state="open"}"#] ?? 0, 1)
            XCTAssertEqual(samples[#"pwsync_directory_pool_connections{state="in_use"}"#], 0)
            XCTAssertEqual(samples[#"pwsync_directory_server_up{url="\#(f["LDAPS_URL"])"}"#], 1)
            XCTAssertGreaterThanOrEqual(samples[#"pwsync_directory_operation_seconds_count{action="set_password",result="ok"}"#] ?? 0, Double(pushes))
            XCTAssertTrue(samples.keys.contains { $0.hasPrefix("http_server_request_duration_bucket") }, "request latency histogram: \(samples.keys.filter { !$0.hasPrefix("pwsync") }.sorted())")
            XCTAssertEqual(samples[#"hb_requests_total{http_request_method="PATCH",http_response_status_code="200",http_route="/scim/v2/Users/{id}"}"#],
                           Double(pushes))
            XCTAssertFalse(m.text.contains("Mx-"), "no password in the exposition")
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
    }
}

/// SIGHUP: a renewed certificate, a new token and a rotated bind password take effect without a
/// restart; an established connection lives on; a broken config is refused and the old one kept.
final class ReloadTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func fingerprint(_ port: Int, ca: String) throws -> String {
        let r = try PwsyncProcess.run("/bin/sh", ["-c", "openssl s_client -connect 127.0.0.1:\(port) -CAfile \(ca) </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"])
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testSIGHUPReloadsCertificateAndCredentialsAndKeepsConnections() async throws {
        let f = try Fixture.load(.openldap)
        let p = try PwsyncProcess(fixture: f)
        try await p.start()
        do {
            let ca = "\(p.state)/tls/ca.pem"
            let before = try fingerprint(p.port, ca: ca)
            XCTAssertTrue(before.contains("Fingerprint"), before)
            // A keep-alive connection opened before the reload.
            let held = Process()
            held.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            held.arguments = ["s_client", "-quiet", "-connect", "127.0.0.1:\(p.port)", "-CAfile", ca]
            let input = Pipe(), output = Pipe()
            held.standardInput = input
            held.standardOutput = output
            held.standardError = FileHandle.nullDevice
            try held.run()
            try await Task.sleep(for: .milliseconds(500))

            // Renew the certificate (same CA) and replace the token, then SIGHUP.
            try PwsyncProcess.bash("""
                . "$1/scripts/lib/certs.sh"; d=$(mktemp -d); cp "$3" "$d/ca.pem"; cp "$4" "$d/ca.key"
                make_cert "$d" pwsync "IP:127.0.0.1" renewed; cp "$d/pwsync.pem" "$2/tls/pwsync.pem"; cp "$d/pwsync.key" "$2/tls/pwsync.key"; rm -rf "$d"
                """, PwsyncProcess.root, p.state, f.caFile, f.caKey)
            let newToken = TokenHash.generateToken()
            let text = try String(contentsOfFile: p.configPath, encoding: .utf8)
            let oldHash = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("hash = ") })
            try text.replacingOccurrences(of: String(oldHash), with: "hash = \"\(TokenHash(hashing: newToken).encoded)\"")
                .write(toFile: p.configPath, atomically: true, encoding: .utf8)
            kill(p.process.processIdentifier, SIGHUP)
            try await Task.sleep(for: .milliseconds(800))

            XCTAssertNotEqual(try fingerprint(p.port, ca: ca), before, "new connections see the renewed certificate")
            let bearer = newToken.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            let old = try await p.request(.GET, "/scim/v2/Users?count=1", auth: .configured)
            XCTAssertEqual(old.status, 401, "the replaced token no longer works")
            let new = try await p.request(.GET, "/scim/v2/Users?count=1", auth: .header("Bearer \(bearer)"))
            XCTAssertEqual(new.status, 200, "the new one does, without a restart")

            // The connection from before the reload still answers.
            try input.fileHandleForWriting.write(contentsOf: Data("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            try await Task.sleep(for: .milliseconds(500))
            let answer = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)
            held.terminate()

            // A broken config is refused; what runs stays.
            try "this is not TOML [".write(toFile: p.configPath, atomically: true, encoding: .utf8)
            kill(p.process.processIdentifier, SIGHUP)
            try await Task.sleep(for: .milliseconds(800))
            let still = try await p.request(.GET, "/scim/v2/Users?count=1", auth: .header("Bearer \(bearer)"))
            XCTAssertEqual(still.status, 200)
            XCTAssertTrue(p.stderr.contains("configuration reload refused"), p.stderr)
            XCTAssertTrue(p.process.isRunning)
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
        let reloads = try String(contentsOfFile: p.auditPath, encoding: .utf8).split(separator: "\n").filter { $0.contains("\"event\":\"reload\"") }
        XCTAssertEqual(reloads.map { $0.contains("\"outcome\":\"success\"") }, [true, false])
    }
}
