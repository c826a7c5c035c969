import Directory
import PlainText

/// What `pwsync init` asks for, once the answers are parsed: everything the config it writes
/// holds, apart from the secrets (the bind password and the token), which never pass through here.
package struct InitAnswers: Sendable, Equatable {
    package var directory: DirectoryKind
    package var urls: [String]
    package var startTLS: Bool
    package var userBase: String
    package var bindDN: String
    /// The DNS name (or address) Okta calls: the certificate's name and the base URL's host.
    package var hostname: String
    package var listenHost: String
    package var port: Int
    package var auditPath: String
    /// Where each file goes; all under the config's folder.
    package var paths: InitPaths
    /// True when the admin gave a CA bundle for the directory; false trusts the system store.
    package var hasDirectoryCA: Bool

    package init(directory: DirectoryKind, urls: [String], startTLS: Bool, userBase: String, bindDN: String, hostname: String,
                listenHost: String, port: Int, auditPath: String, paths: InitPaths, hasDirectoryCA: Bool) {
        self.directory = directory
        self.urls = urls
        self.startTLS = startTLS
        self.userBase = userBase
        self.bindDN = bindDN
        self.hostname = hostname
        self.listenHost = listenHost
        self.port = port
        self.auditPath = auditPath
        self.paths = paths
        self.hasDirectoryCA = hasDirectoryCA
    }

    /// The SCIM base URL to paste into Okta.
    package var baseURL: String {
        let host = hostname.contains(":") ? "[\(hostname)]" : hostname
        return port == 443 ? "https://\(host)/scim/v2" : "https://\(host):\(port)/scim/v2"
    }

    /// What is wrong with the answers before anything is written, one sentence each. The config
    /// validator checks the written file again; these are the mistakes it cannot see.
    package var problems: [String] {
        var out: [String] = []
        if urls.isEmpty { out.append("give at least one directory URL (--url ldaps://dc1.corp.example.com)") }
        for url in urls {
            let lower = url.lowercased()
            if lower.hasPrefix("ldap://") && !startTLS {
                out.append("\(url) is not encrypted: use ldaps://, or add --starttls")
            } else if lower.hasPrefix("ldaps://") && startTLS {
                out.append("\(url) is ldaps:// already: drop --starttls")
            } else if !lower.hasPrefix("ldap://") && !lower.hasPrefix("ldaps://") {
                out.append("\(url) is not an ldaps:// or ldap:// URL")
            }
        }
        if userBase.isEmpty { out.append("give the user base, the subtree that holds the synced users (--user-base)") }
        if bindDN.isEmpty { out.append("give the service account's DN (--bind-dn)") }
        if hostname.isEmpty {
            out.append("give the name Okta calls this host by (--hostname)")
        } else if hostname.contains("_") {
            out.append("Okta refuses a base URL with '_' in it: \(hostname) cannot be the host name")
        } else if hostname == "localhost" || hostname.hasPrefix("127.") || hostname == "::1" {
            out.append("Okta cannot reach \(hostname): give the host's public DNS name (--hostname)")
        }
        if !(1...65535).contains(port) { out.append("the port must be between 1 and 65535") }
        return out
    }
}

/// The files `init` writes, all in the config's folder so a purge of that folder removes them.
package struct InitPaths: Sendable, Equatable {
    package var folder: String
    package var config: String
    package var bindPassword: String { "\(folder)/bind-password" }
    package var directoryCA: String { "\(folder)/directory-ca.pem" }
    package var tlsFolder: String { "\(folder)/tls" }
    package var certificate: String { "\(tlsFolder)/pwsync.pem" }
    package var privateKey: String { "\(tlsFolder)/pwsync.key" }
    package var signingRequest: String { "\(tlsFolder)/pwsync.csr" }

    package init(config: String) {
        self.config = config
        let folder = config.contains("/") ? config.parentFolder : "."
        self.folder = folder.isEmpty ? "/" : folder
    }
}
