import ArgumentParser
import Config
import Directory
import Kerberos
import LDAP
import LDAPBackedDirectory
import LDAPSyntax
import Logging
import PasswordSync
import Secrets

extension Configuration {
    /// The service account this config binds as. A simple bind reads its password file here; a
    /// Kerberos bind first sets this process's Kerberos profile (call once per process).
    func serviceAccount(logger: Logger) throws -> ServiceAccount {
        switch directory.bind {
        case .simple(let dn, let passwordFile):
            return .password(dn: dn, password: try SecretFile.read(passwordFile))
        case .kerberos(let keytab, let principal):
            try KerberosProfile.useLiteralHostNames()
            return .kerberos(KeytabCredentials(keytab: keytab, principal: principal) { ticket in
                logger.notice("kerberos ticket acquired", metadata: [
                    "principal": "\(ticket.principal)", "kdc": "\(ticket.kdc ?? "unknown")", "lifetime_seconds": "\(ticket.lifetime)",
                ])
            })
        }
    }

    /// The directory this config describes, bound as `account`: the one place `[directory]`
    /// becomes the LDAP layer's settings.
    func makeDirectory(account: ServiceAccount, logger: Logger = Logger(label: "pwsync.directory")) -> LDAPDirectory {
        let d = directory
        var settings = LDAPDirectoryConfiguration(
            kind: d.kind,
            servers: d.urls.map { LDAPConnectionOptions(url: $0, startTLS: d.startTLS, caFile: d.caFile, connectTimeout: d.connectTimeout,
                                                        operationTimeout: d.operationTimeout, saslSealing: d.channel == .sealed) },
            account: account, userBase: d.userBase, userNameAttributes: d.userNameAttributes,
            poolSize: d.poolSize, poolWait: d.poolWait, activeDirectory: activeDirectory, creationBase: provisioning.createBase,
            profileMapping: provisioning.attributes)
        settings.ppolicyDefault = d.ppolicyDefault
        return LDAPDirectory(settings, logger: logger)
    }

    /// What `check-config --connect` and the start-up log say about password rules: the default
    /// policy, whether resets meet the history, and each scope (with a DN that does not exist).
    func passwordReport(_ directory: LDAPDirectory) async throws(DirectoryFailure) -> [(label: String, text: String, problem: Bool)] {
        var lines: [(String, String, Bool)] = []
        let policy = try await directory.passwordPolicy(for: nil)
        let hint: String
        switch directory.configuration.kind {
        case .openLDAP: hint = " (set [openldap] ppolicy_default to ppolicy's default entry)"
        case .activeDirectory: hint = ""
        }
        lines.append(("policy", policy.source == PasswordPolicy.none.source ? "none found\(hint)" : "\(policy)", false))
        let history = try await directory.historyEnforcedOnReset()
        lines.append(("history", "\(history.enforced ? "enforced" : "not enforced") on resets: \(history.why)", false))
        for scope in provisioning.policy.modes.scopes {
            var text = "\(scope.name): \(scope.mode.rawValue) for "
            var dn: String?
            switch scope.members {
            case .subtree(let base): text += "entries under \(base)"; dn = base
            case .group(let group): text += "members of \(group)"; dn = group
            case .users(let names): text += "\(names.count) named user(s)"
            }
            if let dn, try await !directory.entryExists(dn) {
                lines.append(("scope", text + ": no such entry in the directory", true))
            } else {
                lines.append(("scope", text, false))
            }
        }
        if provisioning.policy.scrambleOnDeactivate { lines.append(("scramble", "a random password on every deactivation", false)) }
        return lines
    }
}

extension Configuration.Directory {
    /// With `discover_domain`, the servers DNS lists for it (SRV), in its order: `ldaps://host`
    /// (the SRV port is plain LDAP's), or `ldap://host:port` with StartTLS or GSSAPI sealing.
    mutating func discoverServers() throws {
        guard let domain = discoverDomain else { return }
        let name = Self.serviceName(kind, domain: domain)
        let found = LDAPLibrary.srvServers(name)
        guard !found.isEmpty else {
            throw ValidationError("no directory servers found in DNS: no SRV records for _ldap._tcp.\(name) (check the host's resolver, or list the servers in [directory] urls)")
        }
        let plain = startTLS || channel == .sealed
        urls = try found.map { try LDAPURL(parsing: plain ? "ldap://\($0.host):\($0.port)" : "ldaps://\($0.host)") }
    }

    /// What protects the connection, in words for `check-config` and the start-up log.
    var channelDescription: String {
        switch (bind, channel) {
        case (.kerberos, .sealed): return "GSSAPI sealing on ldap:// (no TLS)"
        case (.kerberos, .tls): return startTLS ? "StartTLS; GSSAPI authenticates only" : "TLS (ldaps); GSSAPI authenticates only"
        default: return startTLS ? "StartTLS" : "TLS (ldaps)"
        }
    }
}

extension KeytabCredentials {
    /// Gets a ticket and the service ticket of every server before pwsync starts serving: a keytab,
    /// principal, clock or SPN problem stops the start with its reason. An unreachable KDC does not:
    /// pushes meanwhile are answered 429 until it answers.
    func preflight(hosts: [String]) throws(KerberosFailure) -> KerberosTicket {
        guard LDAPLibrary.saslMechanisms().contains("GSSAPI") else {
            throw .other(operation: "SASL GSSAPI", code: 0, message: "Cyrus SASL has no GSSAPI module: install libsasl2-modules-gssapi-mit")
        }
        var ticket = try ticket()
        for host in Set(hosts).sorted() { ticket = try self.ticket(forHost: host) }
        return ticket
    }
}
