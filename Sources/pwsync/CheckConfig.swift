import ArgumentParser
import Config
import Directory
import Foundation
import Kerberos
import LDAPBackedDirectory
import Logging
import Secrets
import Server

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the config file; print every problem as file:line: key: message.",
        discussion: "With --connect, also connect to the directory over TLS, bind as the service account and count the users it can see."
    )

    @OptionGroup var options: ConfigOption

    @Flag(help: "Also connect and bind to the directory (needs the network; sends no user password).")
    var connect = false

    func run() async throws {
        var config = try loadConfiguration(options.config)
        do { try config.directory.discoverServers() } catch {
            FileHandle.standardError.write(Data("\(config.file):\(config.line(of: "directory.discover_domain")): \(error)\n".utf8))
            throw ExitCode(69)
        }
        let tls = TLSFiles.check(certificatePath: config.server.certificatePath, privateKeyPath: config.server.privateKeyPath)
        for f in tls { FileHandle.standardError.write(Data("\(config.file):\(config.line(of: f.key)): \(f.level == .warning ? "warning: " : "")\(f)\n".utf8)) }
        if tls.contains(where: { $0.level == .error }) { throw ExitCode(78) }
        print("\(options.config): OK")
        print("  listen      https://\(config.server.host):\(config.server.port)/scim/v2")
        print("  directory   \(config.directory.kind.rawValue) \(config.directory.urls.map(\.description).joined(separator: ", "))")
        print("  channel     \(config.directory.channelDescription)")
        switch config.directory.bind {
        case .simple(let dn, _): print("  bind        simple, as \(dn)")
        case .kerberos(let keytab, let principal): print("  bind        kerberos, \(principal ?? "the host's machine account") from \(keytab)")
        }
        print("  users       userName = \(config.directory.userNameAttributes.joined(separator: " or ")) under \(config.directory.userBase)")
        print("  credentials \(config.server.tokens.map(\.name).joined(separator: ", "))")
        print("  audit log   \(config.audit.path)")
        guard connect else { return }
        LoggingSystem.bootstrap { SwiftLogNoOpLogHandler($0) }
        let account = try config.serviceAccount(logger: Logger(label: "pwsync.directory"))
        defer { KerberosProfile.removeOverlay() }
        if case .kerberos(let credentials) = account {
            do {
                let t = try credentials.preflight(hosts: config.directory.urls.map(\.host))
                print("  kerberos    principal \(t.principal), realm \(t.realm), KDC \(t.kdc ?? "(not reported)"), ticket lifetime \(Self.duration(t.lifetime))")
                print("              service tickets for \(Set(config.directory.urls.map { "ldap/\($0.host)" }).sorted().joined(separator: ", "))")
            } catch {
                FileHandle.standardError.write(Data("kerberos check failed: \(error)\n".utf8))
                throw ExitCode(error.isTransient ? 69 : 78)
            }
        }
        let directory = config.makeDirectory(account: account)
        defer { Task { await directory.shutdown() } }
        do {
            let users = try await directory.findUsers(nil)
            print("  connected   bound as \(account.identity) over \(config.directory.channelDescription); \(users.count) user(s) under the user base")
            var problems = 0
            for line in try await config.passwordReport(directory) {
                let label = line.label.padding(toLength: 11, withPad: " ", startingAt: 0)
                if line.problem {
                    problems += 1
                    FileHandle.standardError.write(Data("\(config.file):\(config.line(of: "scope")): \(line.text)\n".utf8))
                } else {
                    print("  \(label) \(line.text)")
                }
            }
            if problems > 0 { throw ExitCode(78) }
        } catch let error as DirectoryFailure {
            FileHandle.standardError.write(Data("directory check failed: \(error.detail) [\(error.reason.rawValue)]\n".utf8))
            throw ExitCode(69)
        }
    }
}

extension CheckConfig {
    static func duration(_ seconds: Int64) -> String {
        seconds >= 3600 ? "\(seconds / 3600) h \(seconds % 3600 / 60) min" : seconds >= 60 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds) s"
    }
}

/// Loads the config or exits with EX_CONFIG (78) after printing each problem on its own line.
func loadConfiguration(_ path: String) throws -> Configuration {
    do {
        return try Configuration.load(path: path)
    } catch {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw ExitCode(78)
    }
}
