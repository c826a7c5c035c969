#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Config
import Directory
import FoundationEssentials
import LDAPSyntax
import PlainText
import Kerberos
import LDAPBackedDirectory
import Logging
import Secrets
import Server
import Setup

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the config file; print every problem as file:line: key: message.",
        discussion: "With --connect, also connect to the directory over TLS, bind as the service account and count the users it can see."
    )

    @OptionGroup var options: ConfigOption

    @Flag(help: "Also connect and bind to the directory (needs the network; sends no user password).")
    var connect = false

    @Option(name: .customLong("as-user"), help: "The account pwsync serve runs as: run as root, check-config checks that this user can read every file the config names and write the audit log's folder.")
    var serviceUser = "pwsync"

    func run() async throws {
        var config = try loadConfiguration(options.config)
        do { try config.directory.discoverServers() } catch {
            Console.error("\(config.file):\(config.line(of: "directory.discover_domain")): \(error)\n")
            throw ExitCode(69)
        }
        let tls = TLSFiles.check(certificatePath: config.server.certificatePath, privateKeyPath: config.server.privateKeyPath,
                                 labSubject: TLSMaterial.selfSignedLabel)
        for f in tls { Console.error("\(config.file):\(config.line(of: f.key)): \(f.level == .warning ? "warning: " : "")\(f)\n") }
        if tls.contains(where: { $0.level == .error }) { throw ExitCode(78) }
        try checkAccessAsServiceUser(config)
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
        try await checkDirectory(config)
    }

    /// Binds as the service account (Kerberos first when configured), counts the users it can see and
    /// reports the password policy each scope meets; exit 69 when the directory cannot be used.
    func checkDirectory(_ config: Configuration) async throws {
        LoggingSystem.bootstrap { SwiftLogNoOpLogHandler($0) }
        let account = try config.serviceAccount(logger: Logger(label: "pwsync.directory"))
        defer { KerberosProfile.removeOverlay() }
        if case .kerberos(let credentials) = account {
            do {
                let t = try credentials.preflight(hosts: config.directory.urls.map(\.host))
                print("  kerberos    principal \(t.principal), realm \(t.realm), KDC \(t.kdc ?? "(not reported)"), ticket lifetime \(Self.duration(t.lifetime))")
                print("              service tickets for \(Set(config.directory.urls.map { "ldap/\($0.host)" }).sorted().joined(separator: ", "))")
            } catch {
                Console.error("kerberos check failed: \(error)\n")
                throw ExitCode(error.isTransient ? 69 : 78)
            }
        }
        let directory = config.makeDirectory(account: account)
        do {
            try await report(directory, account: account, config)
        } catch {
            await directory.shutdown()
            throw error
        }
        await directory.shutdown()
    }

    /// What the directory says about the users and password rules pwsync would work with.
    private func report(_ directory: LDAPDirectory, account: ServiceAccount, _ config: Configuration) async throws {
        do {
            let users = try await directory.findUsers(nil)
            print("  connected   bound as \(account.identity) over \(config.directory.channelDescription); \(users.count) user(s) under the user base")
            var problems = 0
            for line in try await config.passwordReport(directory) {
                let label = line.label.padded(to: 11)
                if line.problem {
                    problems += 1
                    Console.error("\(config.file):\(config.line(of: "scope")): \(line.text)\n")
                } else {
                    print("  \(label) \(line.text)")
                }
            }
            if problems > 0 { throw ExitCode(78) }
        } catch let error as DirectoryFailure {
            Console.error("directory check failed: \(error.detail) [\(error.reason.rawValue)]\n")
            throw ExitCode(69)
        }
    }
}

extension CheckConfig {
    /// As root every file is readable: ask for the service's own user instead, and say so.
    func checkAccessAsServiceUser(_ config: Configuration) throws {
        guard geteuid() == 0, serviceUser != "root" else { return }
        guard let user = ServiceUser.lookup(serviceUser) else {
            print("note: running as root, and there is no user \(serviceUser) to check file access as (--as-user names the account pwsync serve runs as)")
            return
        }
        print("note: running as root; file access checked as user \(serviceUser), the account pwsync serve runs as")
        let files = [(key: "", path: options.config, need: ServiceUser.Need.read)] + config.filesTheServiceUses
        var failed = false
        for f in files {
            guard let problem = user.problem(reaching: f.path, f.need) else { continue }
            failed = true
            let at = f.key.isEmpty ? "" : " \(f.key):"
            Console.error("\(config.file):\(f.key.isEmpty ? 1 : config.line(of: f.key)):\(at) \(problem)\n")
        }
        if failed { throw ExitCode(78) }
    }

    static func duration(_ seconds: Int64) -> String {
        seconds >= 3600 ? "\(seconds / 3600) h \(seconds % 3600 / 60) min" : seconds >= 60 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds) s"
    }
}

/// Loads the config or exits with EX_CONFIG (78) after printing each problem on its own line.
func loadConfiguration(_ path: String) throws -> Configuration {
    do {
        return try Configuration.load(path: path)
    } catch {
        Console.error((error.description + "\n"))
        throw ExitCode(78)
    }
}
