import Directory
import LDAPSyntax

extension Configuration {
    /// `[directory]`: which directory, its servers, the service account, where users live, and
    /// how long each step may take.
    package struct Directory: Sendable {
        /// How the service account authenticates.
        package enum Bind: Sendable, Equatable {
            /// A DN and the file holding its password.
            case simple(dn: String, passwordFile: String)
            /// SASL GSSAPI with a keytab; principal nil = the host's machine account.
            case kerberos(keytab: String, principal: String?)
        }
        /// What keeps the connection confidential.
        package enum Channel: String, Sendable, CaseIterable {
            /// ldaps:// or StartTLS.
            case tls
            /// Plain ldap:// sealed by the GSSAPI bind (Kerberos only).
            case sealed
        }
        package var kind: DirectoryKind
        /// Empty when `discoverDomain` is set: then filled from DNS SRV records at start-up.
        package var urls: [LDAPURL]
        /// Find the servers in DNS (`_ldap._tcp.dc._msdcs.<domain>` for AD, `_ldap._tcp.<domain>`).
        package var discoverDomain: String?
        package var startTLS: Bool
        package var caFile: String?
        package var bind: Bind
        package var channel: Channel
        package var userBase: String
        /// Matched in order; a user's userName is the first of them it has.
        package var userNameAttributes: [String]
        package var connectTimeout: Duration
        package var operationTimeout: Duration
        package var poolSize: Int
        /// How long a push may wait for a pooled connection before it is answered 429.
        package var poolWait: Duration
        /// OpenLDAP: ppolicy's default policy entry (`[openldap] ppolicy_default`).
        package var ppolicyDefault: String?

        package static let connectTimeoutSetting = Setting("directory.connect_timeout_seconds", default: 5.0, 0.5...30)
        package static let operationTimeoutSetting = Setting("directory.operation_timeout_seconds", default: 10.0, 1...30)
        package static let poolSizeSetting = Setting("directory.pool_size", default: 4, 1...64)
        package static let poolWaitSetting = Setting("directory.pool_wait_seconds", default: 5.0, 0.1...30)

        /// The longest one directory step can take once started (see `DirectoryStep`).
        package var stepBound: Duration { DirectoryStep.bound(connect: connectTimeout, operation: operationTimeout, servers: urls.count) }
        /// How long after a push arrives pwsync may still start a directory step.
        package var requestBudget: Duration { DirectoryStep.requestBudget(connect: connectTimeout, operation: operationTimeout, servers: urls.count) }

        /// The attributes a userName may be matched against in this kind of directory.
        package static func userNameAttributes(allowedIn kind: DirectoryKind) -> [String] {
            switch kind {
            case .activeDirectory: return ["sAMAccountName", "userPrincipalName", "mail"]
            case .openLDAP: return ["uid", "mail"]
            }
        }

        /// Email-shaped userNames (what Okta and most tenants send) match out of the box.
        package static func defaultUserNameAttributes(for kind: DirectoryKind) -> [String] {
            switch kind {
            case .activeDirectory: return ["userPrincipalName", "sAMAccountName"]
            case .openLDAP: return ["uid", "mail"]
            }
        }

        /// Where DNS lists this kind's servers for `domain` (SRV `_ldap._tcp.<name>`).
        package static func serviceName(_ kind: DirectoryKind, domain: String) -> String {
            switch kind {
            case .activeDirectory: return "dc._msdcs.\(domain)"
            case .openLDAP: return domain
            }
        }
    }
}
