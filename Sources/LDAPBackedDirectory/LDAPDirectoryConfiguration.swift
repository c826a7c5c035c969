import Directory
import LDAP
import Secrets

/// How pwsync reaches one directory: servers in failover order, the service account, where users live.
public struct LDAPDirectoryConfiguration: Sendable {
    public var kind: DirectoryKind
    /// Tried in order; the next is used when one is unreachable.
    public var servers: [LDAPConnectionOptions]
    public var account: ServiceAccount
    public var userBase: String
    /// The LDAP attributes SCIM `userName` maps to, matched in order (`userPrincipalName`,
    /// `sAMAccountName`, `uid`, `mail`); a user's userName is the first one it has.
    public var userNameAttributes: [String]
    /// Profile values written to the directory: canonical SCIM path → LDAP attribute. Empty = off.
    public var profileMapping: [String: String]
    public var poolSize: Int
    /// How long a request waits for a pooled connection before "busy".
    public var poolWait: Duration
    public var activeDirectory: ActiveDirectoryOptions
    /// The OU new accounts are created in; nil = pwsync never creates accounts.
    public var creationBase: String?
    /// OpenLDAP: the ppolicy default policy entry (the overlay's `ppolicy_default`), which a
    /// service account usually cannot read from cn=config.
    public var ppolicyDefault: String?

    public init(kind: DirectoryKind, servers: [LDAPConnectionOptions], account: ServiceAccount,
                userBase: String, userNameAttributes: [String], poolSize: Int, poolWait: Duration,
                activeDirectory: ActiveDirectoryOptions = .init(), creationBase: String? = nil, profileMapping: [String: String] = [:]) {
        self.kind = kind
        self.servers = servers
        self.account = account
        self.userBase = userBase
        self.userNameAttributes = userNameAttributes
        self.profileMapping = profileMapping
        self.poolWait = poolWait
        self.poolSize = poolSize
        self.activeDirectory = activeDirectory
        self.creationBase = creationBase
    }
}
