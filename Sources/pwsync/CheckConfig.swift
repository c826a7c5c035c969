import ArgumentParser
import Config
import Foundation

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the config file; print every problem as file:line: key: message."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try loadConfiguration(options.config)
        print("\(options.config): OK")
        print("  listen      https://\(config.server.host):\(config.server.port)/scim/v2")
        print("  directory   \(config.directory.kind.rawValue) \(config.directory.urls.map(\.description).joined(separator: ", "))\(config.directory.startTLS ? " (StartTLS)" : "")")
        print("  users       \(config.directory.userNameAttribute) under \(config.directory.userBase)")
        print("  credentials \(config.server.tokens.map(\.name).joined(separator: ", "))")
        print("  audit log   \(config.auditPath)")
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
