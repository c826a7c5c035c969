import Config
import Directory
import Kerberos
import LDAP
import LDAPBackedDirectory
import Logging
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

    /// The directory this config describes, bound as `account`.
    func makeDirectory(account: ServiceAccount, logger: Logger = Logger(label: "pwsync.directory")) -> LDAPDirectory {
        let d = directory
        return LDAPDirectory(LDAPDirectoryConfiguration(
            kind: d.kind,
            servers: d.urls.map { LDAPConnectionOptions(url: $0, startTLS: d.startTLS, caFile: d.caFile, connectTimeout: d.connectTimeout,
                                                        operationTimeout: d.operationTimeout, saslSealing: d.channel == .sealed) },
            account: account, userBase: d.userBase, userNameAttributes: d.userNameAttributes,
            poolSize: d.poolSize, activeDirectory: activeDirectory, creationBase: provisioning.createBase,
            profileMapping: provisioning.attributes, poolWait: .milliseconds(Int64(d.poolWait * 1000))),
            logger: logger)
    }
}

extension Configuration.Directory {
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
