import Directory

/// The config `init` writes: the skeleton's keys with the admin's answers, as TOML.
package enum ConfigTemplate {
    package static func render(_ a: InitAnswers, tokenHash: String) -> String {
        var directory = """
            kind = \(quoted(a.directory.rawValue))
            urls = [\(a.urls.map(quoted).joined(separator: ", "))]

            """
        if a.startTLS { directory += "starttls = true\n" }
        if a.hasDirectoryCA { directory += "ca_file = \(quoted(a.paths.directoryCA))\n" }
        directory += """
            bind_dn = \(quoted(a.bindDN))
            bind_password_file = \(quoted(a.paths.bindPassword))
            user_base = \(quoted(a.userBase))

            """
        return """
            # Written by `pwsync init`. Every key, with what it does and its default, is in the commented
            # example /usr/share/doc/pwsync/examples/pwsync.toml and in pwsync.toml(5).
            # Your edits to this file are kept across upgrades.

            [server]
            listen = \(quoted(a.listenHost.contains(":") ? "[\(a.listenHost)]:\(a.port)" : "\(a.listenHost):\(a.port)"))
            tls_certificate = \(quoted(a.paths.certificate))
            tls_private_key = \(quoted(a.paths.privateKey))

            # Okta's bearer token, stored hashed (`pwsync hash-token --generate` makes another).
            [[server.tokens]]
            name = "okta"
            hash = \(quoted(tokenHash))

            [directory]
            \(directory)
            [audit]
            path = \(quoted(a.auditPath))

            """
    }

    /// A TOML basic string.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
