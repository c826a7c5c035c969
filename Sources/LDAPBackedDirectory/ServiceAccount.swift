import Kerberos
import LDAP
import LDAPSyntax
import Secrets

/// How pwsync's service account proves who it is to the directory.
package enum ServiceAccount: Sendable {
    /// A DN and its password (`bind_password_file`): a simple bind, over TLS only.
    case password(dn: String, password: Secret)
    /// A Kerberos identity from a keytab (the host's machine account, a service principal or a
    /// gMSA), by SASL GSSAPI: no directory password on disk.
    case kerberos(KeytabCredentials)

    /// Who binds, for logs and the audit `start` record: a DN or a principal, never a secret.
    package var identity: String {
        switch self {
        case .password(let dn, _): return dn
        case .kerberos(let k): return k.configuredPrincipal.map { "kerberos:\($0)" } ?? "kerberos:machine account in \(k.keytab)"
        }
    }

    /// Binds `connection`, on its own thread (Kerberos may ask the KDC, which blocks). Returns when
    /// the bind stops being good: a Kerberos bind lasts as long as the ticket it used.
    func bind(_ connection: LDAPConnection) async throws -> ContinuousClock.Instant? {
        switch self {
        case .password(let dn, let password):
            try await connection.simpleBind(dn: dn, password: password)
            return nil
        case .kerberos(let credentials):
            let host = connection.options.url.host
            return try await connection.perform { c in
                let ticket = try credentials.ticket(forHost: host)
                try c.gssapiBind(cacheName: ticket.cacheName)
                return ContinuousClock.now + .seconds(max(0, ticket.secondsLeft))
            }
        }
    }
}
