import Directory
import LDAP
import Secrets

/// How pwsync reaches one directory: servers in failover order, the service account, where users live.
package struct LDAPDirectoryConfiguration: Sendable {
    package var kind: DirectoryKind
    /// Tried in order; the next is used when one is unreachable.
    package var servers: [LDAPConnectionOptions]
    package var account: ServiceAccount
    package var userBase: String
    /// The LDAP attributes SCIM `userName` maps to, matched in order (`userPrincipalName`,
    /// `sAMAccountName`, `uid`, `mail`); a user's userName is the first one it has.
    package var userNameAttributes: [String]
    /// Profile values written to the directory: canonical SCIM path → LDAP attribute. Empty = off.
    package var profileMapping: [String: String]
    package var poolSize: Int
    /// How long a request waits for a pooled connection before "busy".
    package var poolWait: Duration
    package var activeDirectory: ActiveDirectoryOptions
    /// The OU new accounts are created in; nil = pwsync never creates accounts.
    package var creationBase: String?
    /// OpenLDAP: the ppolicy default policy entry (the overlay's `ppolicy_default`), which a
    /// service account usually cannot read from cn=config.
    package var ppolicyDefault: String?
    /// Where groups live and what new ones are; nil = pwsync manages no groups.
    package var groups: GroupSettings?

    package init(kind: DirectoryKind, servers: [LDAPConnectionOptions], account: ServiceAccount,
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
