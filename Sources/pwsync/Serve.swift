#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import LDAPSyntax
import NIOCore
import Audit
import Config
import Directory
import Hummingbird
import Kerberos
import LDAPBackedDirectory
import Logging
import PasswordSync
import Redaction
import Secrets
import Server
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the SCIM HTTPS endpoint (what systemd starts).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        // Files and sockets pwsync makes are never group- or world-writable, whatever umask it was
        // started with (the unit sets 0027); set once, here, before any other task runs.
        let inherited = umask(0o022)
        umask(inherited | 0o022)
        var loaded = try loadConfiguration(options.config)
        Self.bootstrapLogging(loaded.logLevel)
        let logger = Logger(label: "pwsync")
        // Everything that can be refused is checked before the audit log is taken.
        try Self.checkTLS(loaded, logger)
        if let domain = loaded.directory.discoverDomain {
            do { try loaded.directory.discoverServers() } catch {
                // DNS may be back soon: not a config error (69, so systemd restarts the unit).
                logger.critical("cannot find the directory servers", metadata: ["domain": "\(domain)", "error": "\(error)"])
                throw ExitCode(69)
            }
            logger.notice("directory servers found in DNS", metadata: ["domain": "\(domain)", "urls": "\(loaded.directory.urls.map(\.description).joined(separator: ", "))"])
        }
        let config = loaded
        let account: ServiceAccount
        do { account = try config.serviceAccount(logger: Logger(label: "pwsync.directory")) } catch {
            logger.critical("cannot prepare the directory bind (bind password file or Kerberos settings)", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        }
        defer { KerberosProfile.removeOverlay() }
        let bindIdentity = try Self.preflight(account, config.directory, logger)
        // Before any metric exists (the pool creates its gauges): they report into this registry.
        let registry = config.metrics.map { _ in MetricsEndpoint.bootstrap() }
        let journal = Logger(label: "pwsync.audit")
        let (sealing, sealProblem) = Self.sealing(config.audit, journal)
        let auditLog = try Self.openAuditLog(config.audit, sealing: sealing, journal: journal, logger: logger)
        let audit = MeteredAuditSink(auditLog)

        let d = config.directory
        let directory = config.makeDirectory(account: account)
        let service = PasswordSyncService(directory: directory, audit: audit, policy: config.provisioning.policy,
                                          logger: Logger(label: "pwsync.sync"))
        // What the directory's rules are, said once at start-up (without delaying it).
        Task {
            do throws(DirectoryFailure) {
                for line in try await config.passwordReport(directory) {
                    logger.log(level: line.problem ? .error : .notice, "password \(line.label)", metadata: ["detail": "\(line.text)"])
                }
            } catch {
                logger.warning("password policy not read at start-up; it is read again with the first push", metadata: ["reason": "\(error.reason.rawValue)"])
            }
        }
        let authenticator = Self.authenticator(config)
        let credentials = CredentialStore(authenticator)
        let tlsCredentials = try TLSCredentials(certificatePath: config.server.certificatePath, privateKeyPath: config.server.privateKeyPath)
        let reload = Reload(configPath: options.config, credentials: credentials, tls: tlsCredentials, directory: directory, logger: logger)

        let authFailures = AuditSummarizer(sink: audit)
        let readiness = Readiness(checks: [{ await service.directoryReady() }, { await auditLog.isWritable }])
        var lifecycle: [any Service] = [Self.summaries(authFailures, service)]
        if let registry, let (host, port) = config.metrics {
            lifecycle.append(MetricsEndpoint.application(host: host, port: port, registry: registry, logger: logger) { port in
                logger.notice("metrics listening", metadata: ["url": "http://\(host):\(port)/metrics"])
            })
        }
        if let socket = config.controlSocket {
            lifecycle.append(ControlSocket(path: socket, service: service, logger: Logger(label: "pwsync.control")))
        }
        if !config.rotations.isEmpty {
            let runner = RotationRunner(service: service, schedules: config.rotations) { Int64(Date().timeIntervalSince1970) }
            lifecycle.append(RotationService(runner: runner))
        }
        if let interval = SystemdNotify.watchdogInterval {
            lifecycle.append(PeriodicService(every: interval) { SystemdNotify.send("WATCHDOG=1") })
        }
        let app = try PwsyncServer.application(
            server: config.server, requestBudget: config.directory.requestBudget,
            service: service, authenticator: authenticator, audit: audit, logger: logger,
            services: Self.auditServices(auditLog, config.audit, sealInterval: sealing.map { .seconds($0.key.interval) }, reload: reload, logger) + lifecycle,
            authFailures: authFailures, readiness: readiness, credentials: credentials, tlsCredentials: tlsCredentials,
            onRunning: { port in
                // systemd (Type=notify): listening now; /readyz says whether the directory answers.
                SystemdNotify.send("READY=1\nSTATUS=listening on port \(port)")
                logger.notice("pwsync listening", metadata: ["url": "https://\(config.server.host):\(port)/scim/v2",
                                                             "directory": "\(d.kind.rawValue)"])
            })
        try await audit.record(AuditEvent(.start, principal: bindIdentity, outcome: .success))
        if let sealProblem {
            // A lost key stops sealing, never recording: say so in the log itself.
            logger.critical("audit sealing is off: the sealing key cannot be used", metadata: ["error": "\(sealProblem)"])
            try await audit.record(AuditEvent(.sealingStopped, outcome: .failure, reason: .sealKeyUnavailable))
        }
        do {
            try await Self.runBounded(app, shutdownTimeout: config.server.shutdownTimeout, logger: logger) {
                try? await audit.record(AuditEvent(.stop, outcome: .failure))
                try? await auditLog.sync()
            }
        } catch {
            try? await audit.record(AuditEvent(.stop, outcome: .failure))
            await directory.shutdown()
            throw error
        }
        SystemdNotify.send("STOPPING=1")
        await authFailures.flush(all: true)
        await service.flushSummaries(all: true)
        try? await audit.record(AuditEvent(.stop, outcome: .success))
        try? await auditLog.sync()
        await directory.shutdown()
    }

    static func bootstrapLogging(_ level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var h = RedactingLogHandler(wrapping: StreamLogHandler.standardError(label: label))
            h.logLevel = level
            return h
        }
    }

    /// The certificate chain and key Okta will see: errors stop the start (exit 78, file:line).
    static func checkTLS(_ config: Configuration, _ logger: Logger) throws {
        let findings = TLSFiles.check(certificatePath: config.server.certificatePath, privateKeyPath: config.server.privateKeyPath)
        for f in findings where f.level == .warning { logger.warning("\(config.file):\(config.line(of: f.key)): \(f)") }
        let errors = findings.filter { $0.level == .error }
        guard errors.isEmpty else {
            for f in errors { Console.error("\(config.file):\(config.line(of: f.key)): \(f)\n") }
            throw ExitCode(78)
        }
    }

    /// Who binds, for the audit `start` record. A Kerberos identity is tried first: a failure no
    /// retry can mend stops the start (exit 78) with its reason; an unreachable KDC only warns.
    static func preflight(_ account: ServiceAccount, _ d: Configuration.Directory, _ logger: Logger) throws -> String {
        guard case .kerberos(let credentials) = account else { return account.identity }
        do {
            let ticket = try credentials.preflight(hosts: d.urls.map(\.host))
            logger.notice("directory bind: kerberos", metadata: ["principal": "\(ticket.principal)", "channel": "\(d.channelDescription)"])
            return "kerberos:\(ticket.principal)"
        } catch where error.isTransient {
            logger.warning("kerberos: cannot get a ticket yet; pushes are answered 429 until the KDC answers", metadata: ["error": "\(error)"])
            return account.identity
        } catch {
            logger.critical("kerberos bind cannot work: \(error)")
            throw ExitCode(78)
        }
    }

    /// The one writer of the audit log: exit 75 when another process holds it, 73 when it cannot be opened.
    static func openAuditLog(_ settings: Configuration.Audit, sealing: AuditLog.Sealing?, journal: Logger, logger: Logger) throws -> AuditLog {
        do {
            return try AuditLog(path: settings.path, options: .init(sync: settings.sync, maxBytes: settings.maxBytes, keep: settings.keep),
                                summary: { event, seq, hash in summarize(journal, event, seq, hash) }, sealing: sealing)
        } catch let locked as AuditLog.Locked {
            // EX_TEMPFAIL, before anything is written: the running instance keeps its log intact.
            logger.critical("\(locked)")
            throw ExitCode(75)
        } catch {
            logger.critical("cannot open the audit log", metadata: ["error": "\(error)"])
            throw ExitCode(73)
        }
    }

    /// Runs the server until SIGTERM/SIGINT, then drains for at most `shutdownTimeout` seconds: a
    /// directory that hangs cannot hold the stop past systemd's timeout (and its SIGKILL mid-write).
    static func runBounded(_ app: some Service, shutdownTimeout: Duration, logger: Logger,
                           cutOff: @escaping @Sendable () async -> Void) async throws {
        // A request blocked in a libldap call cannot be cancelled, and the group waits for every
        // child: past the bound (and a second to unwind), `stop` is recorded and the process ends.
        let bound = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                // Cancelled when the drain ended in time.
                do { try await Task.sleep(for: shutdownTimeout + .seconds(1)) } catch { return }
                logger.error("requests still waiting on the directory after shutdown_timeout_seconds; cutting them off",
                             metadata: ["shutdown_timeout_seconds": "\(shutdownTimeout / .seconds(1))"])
                await cutOff()
                _exit(1)
            }
        }
        defer { bound.cancel() }
        var configuration = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownTimeout
        // No maximumCancellationDuration: ServiceLifecycle ends that with fatalError (a crash and a
        // slow backtrace); the watchdog above ends the process cleanly instead.
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Counted summaries of refused logins and of failed lookups, written each minute.
    static func summaries(_ auth: AuditSummarizer, _ service: PasswordSyncService) -> PeriodicService {
        PeriodicService(every: .seconds(60)) {
            await auth.flush()
            await service.flushSummaries()
        }
    }

    /// Run by the application's service group, so they stop in order with it: the reopen on SIGHUP
    /// (logrotate's postrotate, `systemctl reload`), and under the batched policy a flush that keeps
    /// nothing unsynced longer than the interval, even when idle.
    static func auditServices(_ audit: AuditLog, _ settings: Configuration.Audit, sealInterval: Duration?, reload: Reload,
                              _ logger: Logger) -> [any Service] {
        var services: [any Service] = [ReloadOnHangupService {
            let reloaded = await reload.run()
            try? await audit.record(AuditEvent(.reload, outcome: reloaded ? .success : .failure))
            do {
                try await audit.reopen()
                try await audit.record(AuditEvent(.reopen, outcome: .success))
                logger.notice("audit log reopened", metadata: ["path": "\(settings.path)"])
            } catch {
                logger.critical("cannot reopen the audit log; password writes stop until it can be written", metadata: ["error": "\(error)"])
            }
        }]
        if let sealInterval {
            // An idle log still closes every epoch, so its head is never older than one epoch.
            services.append(PeriodicService(every: min(sealInterval, .seconds(60))) {
                do { try await audit.closeEpochIfDue() } catch { logger.error("cannot seal the audit epoch", metadata: ["error": "\(error)"]) }
            })
        }
        if case .batched(_, let interval) = settings.sync {
            services.append(PeriodicService(every: interval) {
                do { try await audit.sync() } catch { logger.error("audit log fsync failed", metadata: ["error": "\(error)"]) }
            })
        }
        return services
    }

    /// The sealing key named by the config, or why it cannot be used.
    static func sealing(_ settings: Configuration.Audit, _ journal: Logger) -> (AuditLog.Sealing?, String?) {
        guard let path = settings.sealKeyFile else { return (nil, nil) }
        do {
            let anchor = JournalAnchor(logger: journal)
            return (AuditLog.Sealing(key: try SealKeyFile.load(path), keyFile: path, anchor: { anchor.send(epoch: $0, seq: $1, hash: $2) }), nil)
        } catch {
            return (nil, "\(error)")
        }
    }

    static func authenticator(_ config: Configuration) -> Authenticator {
        Authenticator(credentials: config.server.tokens.map { .init(name: $0.name, username: $0.username, hash: $0.hash) })
    }

    /// SIGHUP: re-read the config, then swap in its TLS certificate and key, credentials and bind
    /// password, all or nothing. Established connections keep what they have. A config that does
    /// not load (or a certificate that fails its checks) is refused with the reason, and the
    /// running configuration stays. Other settings take a restart.
    struct Reload: Sendable {
        let configPath: String
        let credentials: CredentialStore
        let tls: TLSCredentials
        let directory: LDAPDirectory
        let logger: Logger

        func run() async -> Bool {
            do throws(any Error) {
                let config = try Configuration.load(path: configPath)
                let problems = TLSFiles.check(certificatePath: config.server.certificatePath, privateKeyPath: config.server.privateKeyPath)
                    .filter { $0.level == .error }
                guard problems.isEmpty else { throw ConfigErrors(errors: problems.map { ConfigError(file: configPath, line: config.line(of: $0.key), key: $0.key, message: $0.message) }) }
                // A keytab is read afresh at every ticket fetch: only a password has to be swapped in.
                var bindPassword: Secret?
                if case .simple(_, let file) = config.directory.bind { bindPassword = try SecretFile.read(file) }
                try tls.reload(certificatePath: config.server.certificatePath, privateKeyPath: config.server.privateKeyPath)
                credentials.replace(Serve.authenticator(config))
                if let bindPassword { await directory.updateBindPassword(bindPassword) }
                logger.notice("configuration reloaded: TLS certificate and key, credentials\(bindPassword == nil ? "" : ", bind password")")
                return true
            } catch {
                logger.error("configuration reload refused; the running configuration stays", metadata: ["error": "\(error)"])
                return false
            }
        }
    }

    /// The journal's one-line view of an audit record; `seq` and `hash` let a reviewer check the
    /// file's tail against the journal (`pwsync audit verify` prints the head to compare).
    static func summarize(_ logger: Logger, _ e: AuditEvent, _ seq: UInt64, _ hash: String) {
        // An outcome at info; the push_received before it only at debug (per-push noise).
        let level: Logger.Level = e.outcome == .failure || e.event == .authFailed ? .notice : e.event == .pushReceived ? .debug : .info
        guard logger.logLevel <= level else { return }
        var md: Logger.Metadata = ["audit_seq": "\(seq)", "audit_hash": "\(hash.prefix(16))"]
        func add(_ k: String, _ v: String?) { if let v { md[k] = .string(v) } }
        add("request_id", e.requestID); add("client", e.client); add("principal", e.principal)
        add("action", e.action?.rawValue); add("form", e.form?.rawValue); add("user", e.userName); add("outcome", e.outcome?.rawValue)
        add("reason", e.reason?.rawValue); add("placeholder", e.placeholder?.rawValue)
        if let rc = e.resultCode { md["result_code"] = "\(rc)" }
        if let ms = e.latencyMs { md["latency_ms"] = "\(ms)" }
        logger.log(level: level, "audit \(e.event.rawValue)", metadata: md)
    }
}

/// The rotation schedules as a lifecycle service: cancelled (mid-sleep) at shutdown.
struct RotationService: Service {
    let runner: RotationRunner
    func run() async throws {
        await cancelWhenGracefulShutdown { await runner.run() }
    }
}
