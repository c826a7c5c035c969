import ArgumentParser

struct PwsyncCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "pwsync",
        abstract: "Receives Okta SCIM password pushes and sets them in Active Directory or OpenLDAP.",
        version: version,
        subcommands: [Init.self, Serve.self, CheckConfig.self, SetPassword.self, Rotate.self, HashToken.self, AuditCommand.self, Version.self]
    )
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path of the TOML config file.")
    var config: String = "/etc/pwsync/pwsync.toml"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print pwsync's version.")
    func run() { print("pwsync \(PwsyncCommand.version)") }
}
