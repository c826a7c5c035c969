import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Secrets
import TestSupport

/// A real `pwsync serve` process for one fixture: its own state folder, TLS certificate (signed by
/// the fixture's CA), token and config, spoken to over real HTTPS.
final class PwsyncProcess: @unchecked Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    static var binary: String { ProcessInfo.processInfo.environment["PWSYNC_BINARY"] ?? "\(root)/.build/debug/pwsync" }

    let fixture: Fixture
    let state: String
    let port: Int
    /// Where this instance's `/metrics` listens (plain HTTP on loopback).
    let metricsPort: Int
    let token: String
    let process = Process()
    let client: HTTPClient
    var stdoutPath: String { "\(state)/stdout.log" }
    var stderrPath: String { "\(state)/stderr.log" }
    var configPath: String { "\(state)/pwsync.toml" }
    var auditPath: String { "\(state)/audit.jsonl" }
    var controlSocket: String { "\(state)/control.sock" }
    /// Set by `enableSealing`'s caller: what `audit verify --key` needs.
    var verificationKey: String?
    /// Added to the environment `pwsync serve` starts with (e.g. KRB5_CONFIG, as a joined host's /etc/krb5.conf).
    var environment: [String: String] = [:]

    init(fixture: Fixture, logLevel: String = "info") throws {
        self.fixture = fixture
        state = NSTemporaryDirectory() + "pwsync-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(state)/tls", withIntermediateDirectories: true)
        port = try Loopback.freePort()
        metricsPort = try Loopback.freePort()
        let t = TokenHash.generateToken()
        token = t.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        // The same helpers the quickstart uses: certificate from the fixture CA, config from the fixture facts.
        try Self.bash("""
            . "$1/scripts/lib/certs.sh"; . "$1/scripts/lib/pwsync-config.sh"
            mkdir -p "$2/tls"; cp "$3" "$2/tls/ca.pem"; cp "$4" "$2/tls/ca.key"
            make_cert "$2/tls" pwsync "IP:127.0.0.1" 127.0.0.1
            rm "$2/tls/ca.key"
            write_pwsync_config "$5" "$2/pwsync.toml" "$2" "$6" "$7" "$8"
            printf '\n[metrics]\nlisten = "127.0.0.1:%s"\n' "$9" >> "$2/pwsync.toml"
            """, Self.root, state, fixture.caFile, fixture.caKey, fixture.envFile, String(port), TokenHash(hashing: t).encoded, logLevel,
            String(metricsPort))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(fixture.caFile)
        tls.certificateVerification = .fullVerification
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // As many connections as a test has requests at once, each waited on as long as Okta would.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Starts `pwsync serve` and waits until /health answers over HTTPS.
    func start() async throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--config", configPath]
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        for _ in 0..<100 {
            if let r = try? await request(.GET, "/health", auth: .none), r.status == 200 { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // The caller's test fails here: leave nothing that would crash the suite on the way out.
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? await client.shutdown()
        clientShutDown = true
        throw Fixture.Missing(description: "pwsync serve did not come up; stderr:\n\(stderr)")
    }

    func stop() async throws {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if !clientShutDown { try await client.shutdown() }
        clientShutDown = true
    }

    private var clientShutDown = false

    /// Starts pwsync (unless the caller did), runs `body`, and stops it whether `body` succeeded or not.
    func serving(alreadyStarted: Bool = false, _ body: () async throws -> Void) async throws {
        do {
            if !alreadyStarted { try await start() }
            try await body()
        } catch {
            try? await stop()
            throw error
        }
        try await stop()
    }

    /// `pwsync audit verify` of this instance's log.
    func verifyAudit() throws -> (status: Int32, output: String) {
        try Self.run(Self.binary, ["audit", "verify", "--log", auditPath])
    }

    /// The audit log's records, parsed.
    func auditRecords() throws -> [[String: Any]] {
        try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    struct Reply {
        let status: Int
        let headers: [(String, String)]
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    enum Auth {
        /// `Authorization: Bearer <the configured token>`.
        case configured
        /// This exact `Authorization` header value.
        case header(String)
        /// No `Authorization` header at all.
        case none
    }

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, auth: Auth = .configured,
                 contentType: String = "application/scim+json; charset=utf-8") async throws -> Reply {
        var req = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        req.method = method
        req.headers.add(name: "User-Agent", value: "Okta SCIM Client 1.0.0")
        req.headers.add(name: "Accept", value: "application/scim+json")
        switch auth {
        case .configured: req.headers.add(name: "Authorization", value: "Bearer \(token)")
        case .header(let value): req.headers.add(name: "Authorization", value: value)
        case .none: break
        }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(ByteBuffer(string: body))
        }
        let resp = try await client.execute(req, timeout: .seconds(60))
        let data = try await resp.body.collect(upTo: 1 << 20)
        return Reply(status: Int(resp.status.code), headers: resp.headers.map { ($0.name, $0.value) }, body: Data(data.readableBytesView))
    }

    /// `GET /metrics` from the metrics listener, as text.
    func metrics() async throws -> (status: Int, contentType: String?, text: String) {
        let resp = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(metricsPort)/metrics"), timeout: .seconds(10))
        let data = try await resp.body.collect(upTo: 4 << 20)
        return (Int(resp.status.code), resp.headers.first(name: "Content-Type"), String(buffer: data))
    }

    /// Okta's existence check: `GET /Users?filter=userName eq "…"`; returns the SCIM id.
    func lookup(_ userName: String) async throws -> String? {
        let r = try await request(.GET, "/scim/v2/Users?filter=userName+eq+%22\(userName)%22&startIndex=1&count=100")
        return (r.json["Resources"] as? [[String: Any]])?.first?["id"] as? String
    }

    /// Okta's password push: PATCH with an object value and no path.
    func pushPassword(id: String, _ password: String) async throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: [
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [["op": "replace", "value": ["password": password]]],
        ])
        return try await request(.PATCH, "/scim/v2/Users/\(id)", body: String(decoding: body, as: UTF8.self))
    }

    /// The same push through curl, one connection per push: the status, or nil when no answer
    /// came. Where an answer must not be lost, curl is the witness: AsyncHTTPClient fails a request
    /// whose `Connection: close` response arrives before it has noted its own body as sent (a
    /// client-side race under load), so its error cannot prove the server sent nothing.
    func pushPasswordThroughCurl(id: String, _ password: String) async throws -> Int? {
        let headers = "\(state)/curl-headers"
        if !FileManager.default.fileExists(atPath: headers) {
            FileManager.default.createFile(atPath: headers, contents: Data("Authorization: Bearer \(token)\nContent-Type: application/scim+json\n".utf8),
                                           attributes: [.posixPermissions: 0o600])
        }
        let body = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"\#(password)"}}]}"#
        let args = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "60", "--cacert", "\(state)/tls/ca.pem",
                    "-X", "PATCH", "-H", "@\(headers)", "--data-binary", "@-", "https://127.0.0.1:\(port)/scim/v2/Users/\(id)"]
        // Body through stdin, never argv; the blocking wait off the cooperative pool.
        let result = try await withCheckedThrowingContinuation { (c: CheckedContinuation<(status: Int32, output: String), any Error>) in
            DispatchQueue.global().async { c.resume(with: Result { try Self.run("/usr/bin/curl", args, input: body) }) }
        }
        guard result.status == 0, let code = Int(result.output), code != 0 else { return nil }
        return code
    }

    /// Everything this pwsync wrote or was given: its state folder (audit log, config, outputs) and,
    /// while it runs, its argv and environment.
    func capturedProcessFiles() -> [String] {
        let pid = process.processIdentifier
        var out: [String] = []
        for f in ["cmdline", "environ"] {
            let dst = "\(state)/proc-\(f)"
            if let d = FileManager.default.contents(atPath: "/proc/\(pid)/\(f)") {
                FileManager.default.createFile(atPath: dst, contents: d)
                out.append(dst)
            }
        }
        return out
    }

    /// Rewrites the generated config (for tests of bad or unusual configurations).
    func editConfig(replacing old: String, with new: String) throws {
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        precondition(text.contains(old), "config has no \(old)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Creates a sealing key with `pwsync audit keygen`, points the config at it, and returns the
    /// verification key it printed.
    func enableSealing(intervalMinutes: Int = 1) throws -> String {
        let key = "\(state)/seal.key"
        let out = try Self.run(Self.binary, ["audit", "keygen", "--key-file", key, "--interval-minutes", String(intervalMinutes)])
        guard out.status == 0, let vk = out.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first(where: { $0.hasPrefix("pwsync-vk1:") }) else {
            throw Fixture.Missing(description: "audit keygen failed: \(out.output)")
        }
        try editConfig(replacing: "path = \"\(auditPath)\"", with: "path = \"\(auditPath)\"\nseal_key_file = \"\(key)\"")
        return String(vk)
    }

    /// Adds TOML at the end of the generated config (new tables, e.g. `[provisioning]`).
    func appendConfig(_ toml: String) throws {
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        try (text + "\n" + toml + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Account creation on, in the fixture's creation OU, with the default userName attributes
    /// (AD: userPrincipalName, then sAMAccountName), so Okta's email-shaped userNames fit; `extra`
    /// goes into the same [provisioning] table.
    func enableCreation(_ extra: String = "") throws {
        try editConfig(replacing: "user_name_attribute = \"\(fixture.userNameAttribute)\"\n", with: "")
        try appendConfig("""
            [provisioning]
            create_users = true
            create_base = "\(fixture["CREATE_BASE"])"
            \(extra)
            """)
    }

    /// Runs a program to completion (stdin from /dev/null, or `input` through a pipe, never argv),
    /// returning its exit status and its stdout and stderr together.
    static func run(_ executable: String, _ args: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: executable)
        proc.arguments = args
        let out = Pipe()
        proc.standardOutput = out
        proc.standardError = out
        let inPipe = Pipe()
        proc.standardInput = input == nil ? FileHandle(forReadingAtPath: "/dev/null") : inPipe
        try proc.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data((input + "\n").utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        proc.waitUntilExit()
        return (proc.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a bash script with positional arguments (never secrets) and fails on a non-zero exit.
    static func bash(_ script: String, _ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-euc", script, "bash"] + args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Fixture.Missing(description: "setup script failed (\(p.terminationStatus))") }
    }
}
