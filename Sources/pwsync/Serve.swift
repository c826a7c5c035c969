import ArgumentParser
import Audit
import Config
import Directory
import Foundation
import Hummingbird
import Logging
import PasswordSync
import Secrets
import Server

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the SCIM HTTPS endpoint (what systemd starts).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try loadConfiguration(options.config)
        let level = Logger.Level(rawValue: config.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "pwsync")

        let bindPassword: Secret
        do { bindPassword = try SecretFile.read(config.directory.bindPasswordFile) } catch {
            logger.critical("cannot read the directory bind password", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        }
        let audit: AuditLog
        do { audit = try AuditLog(path: config.auditPath) } catch {
            logger.critical("cannot open the audit log", metadata: ["error": "\(error)"])
            throw ExitCode(73)
        }

        let d = config.directory
        let directory = config.makeDirectory(bindPassword: bindPassword)
        let policy = SyncPolicy(placeholder: .init(rawValue: config.provisioning.postPassword) ?? .ignore,
                                disableAccounts: config.provisioning.disableAccounts)
        let service = PasswordSyncService(directory: directory, audit: audit, retryAfter: config.server.retryAfterSeconds,
                                          policy: policy, logger: Logger(label: "pwsync.sync"))
        let authenticator = Authenticator(credentials: config.server.tokens.map { .init(name: $0.name, username: $0.username, hash: $0.hash) })

        let app = try PwsyncServer.application(
            options: .init(host: config.server.host, port: config.server.port, certificatePath: config.server.certificatePath,
                           privateKeyPath: config.server.privateKeyPath, maxBodyBytes: config.server.maxBodyBytes),
            service: service, authenticator: authenticator, audit: audit, logger: logger,
            onRunning: { port in
                logger.notice("pwsync listening", metadata: ["url": "https://\(config.server.host):\(port)/scim/v2",
                                                             "directory": "\(d.kind.rawValue)"])
            })
        try await audit.record(AuditEvent(.start, outcome: "success"))
        do {
            try await app.runService()
        } catch {
            try? await audit.record(AuditEvent(.stop, outcome: "failure"))
            await directory.shutdown()
            throw error
        }
        try? await audit.record(AuditEvent(.stop, outcome: "success"))
        await directory.shutdown()
    }
}
