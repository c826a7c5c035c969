import Foundation
import LDAP
import LDAPSyntax
import Secrets

/// A live directory started by scripts/fixture-slapd or scripts/fixture-samba, described by the
/// `.env` file it wrote into `$PWSYNC_FIXTURES`. Loading fails, loudly, when it is not there:
/// a live test must never pass by skipping.
package struct Fixture: Sendable {
    package enum Name: String, Sendable, CaseIterable { case openldap, samba }

    package struct Missing: Error, CustomStringConvertible {
        package let description: String
        package init(description: String) { self.description = description }
    }

    package let name: Name
    package let envFile: String
    let values: [String: String]

    package static func load(_ name: Name) throws -> Fixture {
        guard let dir = ProcessInfo.processInfo.environment["PWSYNC_FIXTURES"] else {
            throw Missing(description: "PWSYNC_FIXTURES is not set: live tests need the slapd and Samba fixtures; run ./scripts/test")
        }
        return try load(name, file: "\(dir)/\(name.rawValue).env")
    }

    /// The fixture described by `file` (a fixture's `.env`, perhaps not in `$PWSYNC_FIXTURES`).
    package static func load(_ name: Name, file: String) throws -> Fixture {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw Missing(description: "\(file) is missing: the \(name.rawValue) fixture did not start; run ./scripts/test")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var v = String(line[line.index(after: eq)...])
            if v.count >= 2, (v.hasPrefix("\"") && v.hasSuffix("\"")) || (v.hasPrefix("'") && v.hasSuffix("'")) { v = String(v.dropFirst().dropLast()) }
            values[String(line[..<eq])] = v
        }
        let f = Fixture(name: name, envFile: file, values: values)
        // The server must be running, not just described.
        guard let pid = try? String(contentsOfFile: f["PID_FILE"], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
              kill(pid_t(pid) ?? 0, 0) == 0 else {
            throw Missing(description: "the \(name.rawValue) fixture's server is not running (pid file \(f["PID_FILE"]))")
        }
        return f
    }

    package subscript(_ key: String) -> String { values[key] ?? "" }

    package var kind: String { self["KIND"] }
    package var ldapsURL: LDAPURL { try! LDAPURL(parsing: self["LDAPS_URL"]) }
    package var ldapURL: LDAPURL { try! LDAPURL(parsing: self["LDAP_URL"]) }
    package var caFile: String { self["CA_FILE"] }
    package var caKey: String { self["CA_KEY"] }
    package var userBase: String { self["USER_BASE"] }
    package var bindDN: String { self["BIND_DN"] }
    package var userNameAttribute: String { self["USER_NAME_ATTRIBUTE"] }

    package func bindPassword() throws -> Secret { try SecretFile.read(self["BIND_PASSWORD_FILE"]) }

    package func userDN(_ user: String) -> String { self["USER_DN_TEMPLATE"].replacingOccurrences(of: "%s", with: user) }

    package func initialPassword(_ user: String) throws -> Secret { try SecretFile.read("\(self["USER_PASSWORD_DIR"])/user-\(user).pw") }

    package func options(_ url: LDAPURL? = nil, startTLS: Bool = false, caFile: String? = nil) -> LDAPConnectionOptions {
        LDAPConnectionOptions(url: url ?? ldapsURL, startTLS: startTLS, caFile: caFile ?? self.caFile, connectTimeout: .seconds(3), operationTimeout: .seconds(5))
    }

    /// The result code of a simple bind as `dn` over verified TLS: 0 = the password works, 49 = it does not.
    package func bindResult(dn: String, password: Secret) async throws -> Int32 {
        let c = try await LDAPConnection.connect(options())
        defer { Task { await c.close() } }
        do {
            try await c.simpleBind(dn: dn, password: password)
            return 0
        } catch let e as LDAPError {
            guard let rc = e.resultCode else { throw e }
            return rc.rawValue
        }
    }
}

extension Fixture {
    /// A second slapd in `dir` holding a copy of this one's directory, on free ports
    /// (scripts/fixture-slapd-copy): one of a pair of servers for failover. Stop it with `stopServer`.
    package func startCopy(in dir: String) throws -> Fixture {
        precondition(name == .openldap, "only slapd is copied")
        let first = (self["PID_FILE"] as NSString).deletingLastPathComponent
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/fixture-slapd-copy").standardized.path
        // Not Foundation's Process: its waitUntilExit can hang in an async test, and the slapd it
        // starts would inherit a blocked signal mask.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let status = try runWithCleanSignals("/bin/bash", [script, first, dir, String(try Loopback.freePort()), String(try Loopback.freePort())],
                                             output: dir + "/fixture.log")
        guard status == 0 else { throw Missing(description: "scripts/fixture-slapd-copy failed (\(status)); see \(dir)/fixture.log") }
        return try Fixture.load(.openldap, file: dir + "/openldap.env")
    }

    /// Stops the server for good (SIGTERM, then SIGKILL) and waits until it is gone.
    package func stopServer() {
        guard let pid = try? serverPID() else { return }
        kill(pid, SIGTERM)
        for _ in 0..<100 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.05) }
        kill(pid, SIGKILL)
    }

    /// The server's pid, from its pid file.
    package func serverPID() throws -> pid_t {
        guard let pid = pid_t((try? String(contentsOfFile: self["PID_FILE"], encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            throw Missing(description: "no pid in \(self["PID_FILE"])")
        }
        return pid
    }

    /// Stops the server with `signal` and starts it again with the same command line (read from
    /// /proc first), after `downFor`; returns once its new pid file names a live process.
    package func restartServer(signal: Int32 = SIGTERM, downFor: Double = 0) throws {
        let pid = try serverPID()
        let dir = (self["PID_FILE"] as NSString).deletingLastPathComponent
        // Samba rewrites its process title; its fixture keeps the command line.
        let source = kind == "active_directory" ? dir + "/samba.cmdline" : "/proc/\(pid)/cmdline"
        guard let cmdline = FileManager.default.contents(atPath: source) else { throw Missing(description: "no \(source)") }
        let argv = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        kill(pid, signal)
        for _ in 0..<200 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.05) }
        guard kill(pid, 0) != 0 else { throw Missing(description: "the server (pid \(pid)) did not stop") }
        if downFor > 0 { Thread.sleep(forTimeInterval: downFor) }
        let path = argv[0].hasPrefix("/") ? argv[0] : "/usr/sbin/\(argv[0])"
        if kind == "active_directory" {
            // `samba -i` stays in the foreground and writes no pid file of its own: record it, then
            // wait for LDAPS (Samba takes a few seconds to start).
            let new = try spawnWithCleanSignals(path, Array(argv.dropFirst()), wait: false, output: dir + "/log/samba.out")
            try "\(new)\n".write(toFile: self["PID_FILE"], atomically: true, encoding: .utf8)
            for _ in 0..<600 {
                if Loopback.accepts(port: 636) { return }
                guard kill(new, 0) == 0 else { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw Missing(description: "samba did not come back")
        }
        try spawnWithCleanSignals(path, Array(argv.dropFirst()))
        for _ in 0..<200 {
            if let new = try? serverPID(), new != pid, kill(new, 0) == 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Missing(description: "the server did not come back")
    }
}

/// posix_spawn with every signal unblocked and at its default: Foundation's `Process` passes on the
/// test thread's blocked mask, and a slapd started that way ignores SIGTERM and outlives the suite.
/// slapd daemonises, so the caller waits for its pid file rather than for this child.
/// With `wait: false` (a server that stays in the foreground) it returns the child's pid at once,
/// its output appended to `output`.
@discardableResult
package func spawnWithCleanSignals(_ path: String, _ args: [String], wait: Bool = true, output: String? = nil) throws -> pid_t {
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv = ([path] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let output {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    var pid = pid_t()
    let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
    guard rc == 0 else { throw NSError(domain: "posix_spawn", code: Int(rc)) }
    if wait {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
    return pid
}

/// `spawnWithCleanSignals` waited for: the program's exit status (-1 if it did not exit normally).
package func runWithCleanSignals(_ path: String, _ args: [String], output: String? = nil) throws -> Int32 {
    let pid = try spawnWithCleanSignals(path, args, wait: false, output: output)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    // WIFEXITED / WEXITSTATUS, which Swift does not import.
    return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
}
