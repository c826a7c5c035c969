import Directory
import LDAPSyntax

extension Configuration {
    /// `[directory]`: which directory, its servers, the service account, where users live, and
    /// how long each step may take.
    public struct Directory: Sendable {
        /// How the service account authenticates.
        public enum Bind: Sendable, Equatable {
            /// A DN and the file holding its password.
            case simple(dn: String, passwordFile: String)
            /// SASL GSSAPI with a keytab; principal nil = the host's machine account.
            case kerberos(keytab: String, principal: String?)
        }
        /// What keeps the connection confidential.
        public enum Channel: String, Sendable, CaseIterable {
            /// ldaps:// or StartTLS.
            case tls
            /// Plain ldap:// sealed by the GSSAPI bind (Kerberos only).
            case sealed
        }
        public var kind: DirectoryKind
        /// Empty when `discoverDomain` is set: then filled from DNS SRV records at start-up.
        public var urls: [LDAPURL]
        /// Find the servers in DNS (`_ldap._tcp.dc._msdcs.<domain>` for AD, `_ldap._tcp.<domain>`).
        public var discoverDomain: String?
        public var startTLS: Bool
        public var caFile: String?
        public var bind: Bind
        public var channel: Channel
        public var userBase: String
        /// Matched in order; a user's userName is the first of them it has.
        public var userNameAttributes: [String]
        public var connectTimeout: Duration
        public var operationTimeout: Duration
        public var poolSize: Int
        /// How long a push may wait for a pooled connection before it is answered 429.
        public var poolWait: Duration
        /// OpenLDAP: ppolicy's default policy entry (`[openldap] ppolicy_default`).
        public var ppolicyDefault: String?

        public static let connectTimeoutSetting = Setting("directory.connect_timeout_seconds", default: 5.0, 0.5...30)
        public static let operationTimeoutSetting = Setting("directory.operation_timeout_seconds", default: 10.0, 1...30)
        public static let poolSizeSetting = Setting("directory.pool_size", default: 4, 1...64)
        public static let poolWaitSetting = Setting("directory.pool_wait_seconds", default: 5.0, 0.1...30)

        /// The longest one directory step can take once started (see `DirectoryStep`).
        public var stepBound: Duration { DirectoryStep.bound(connect: connectTimeout, operation: operationTimeout, servers: urls.count) }
        /// How long after a push arrives pwsync may still start a directory step.
        public var requestBudget: Duration { DirectoryStep.requestBudget(connect: connectTimeout, operation: operationTimeout, servers: urls.count) }

        /// The attributes a userName may be matched against in this kind of directory.
        public static func userNameAttributes(allowedIn kind: DirectoryKind) -> [String] {
            switch kind {
            case .activeDirectory: return ["sAMAccountName", "userPrincipalName", "mail"]
            case .openLDAP: return ["uid", "mail"]
            }
        }

        /// Email-shaped userNames (what Okta and most tenants send) match out of the box.
        public static func defaultUserNameAttributes(for kind: DirectoryKind) -> [String] {
            switch kind {
            case .activeDirectory: return ["userPrincipalName", "sAMAccountName"]
            case .openLDAP: return ["uid", "mail"]
            }
        }

        /// Where DNS lists this kind's servers for `domain` (SRV `_ldap._tcp.<name>`).
        public static func serviceName(_ kind: DirectoryKind, domain: String) -> String {
            switch kind {
            case .activeDirectory: return "dc._msdcs.\(domain)"
            case .openLDAP: return domain
            }
        }
    }
}
