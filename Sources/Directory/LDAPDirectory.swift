import LDAP
import Logging
import Secrets

/// `Directory` over LDAP. The AD and OpenLDAP differences (attributes, ids, how a password is set)
/// live in `ActiveDirectory.swift` and `OpenLDAP.swift`.
public final class LDAPDirectory: Directory {
    public let configuration: LDAPDirectoryConfiguration
    let pool: ConnectionPool
    let logger: Logger
    let rootDSE = RootDSECache()

    public var kind: DirectoryKind { configuration.kind }
    public var searchBase: String { configuration.userBase }
    public var creationBase: String? { configuration.creationBase }

    public init(_ configuration: LDAPDirectoryConfiguration, logger: Logger = Logger(label: "pwsync.directory")) {
        self.configuration = configuration
        self.logger = logger
        self.pool = ConnectionPool(servers: configuration.servers, bindDN: configuration.bindDN,
                                   bindPassword: configuration.bindPassword, maxSize: configuration.poolSize)
    }

    public func shutdown() async { await pool.closeAll() }

    var serverName: String { configuration.servers.first?.url.description ?? "directory" }

    /// Runs `body` on a pooled connection, turning any LDAP error into a `DirectoryFailure`.
    func withConnection<T: Sendable>(_ action: DirectoryFailure.Action = .read,
                                     _ body: @Sendable (LDAPConnection) async throws -> T) async throws(DirectoryFailure) -> T {
        do {
            return try await pool.withConnection(body)
        } catch let f as DirectoryFailure {
            throw f
        } catch let e as LDAPError {
            let failure = DirectoryFailure.map(e, kind: kind, server: serverName, action: action)
            logger.warning("directory operation failed", metadata: [
                "reason": "\(failure.reason.rawValue)", "ldap_error": "\(e)",
            ])
            throw failure
        } catch {
            throw DirectoryFailure(.directoryError, "Unexpected error talking to the directory.")
        }
    }

    // MARK: Directory

    public func findUsers(_ filter: UserFilter?) async throws(DirectoryFailure) -> [DirectoryUser] {
        // No account name contains a control character, and Samba cuts an assertion value at an
        // escaped NUL (`carol\00` matches carol): answer "no such user" without asking.
        if let filter, Self.hasControlCharacters(filter) { return [] }
        let ldapFilter = "(&\(objectFilter)\(filter.map(render) ?? ""))"
        let base = configuration.userBase
        let attrs = userAttributes
        let entries = try await withConnection { c in
            try await c.search(base: base, scope: .subtree, filter: ldapFilter, attributes: attrs)
        }
        return entries.compactMap(makeUser).sorted { $0.dn.lowercased() < $1.dn.lowercased() }
    }

    public func user(id: String) async throws(DirectoryFailure) -> DirectoryUser? {
        guard let idFilter = idFilter(id) else { return nil }
        let base = configuration.userBase
        let attrs = userAttributes
        let entries = try await withConnection { c in
            try await c.search(base: base, scope: .subtree, filter: "(&\(objectFilter)\(idFilter))", attributes: attrs, sizeLimit: 2)
        }
        let users = entries.compactMap(makeUser)
        guard users.count <= 1 else { throw DirectoryFailure(.ambiguousUser, "More than one directory entry has this id.") }
        return users.first
    }

    public func setPassword(of user: DirectoryUser, to password: Secret) async throws(DirectoryFailure) -> PasswordWriteReport {
        switch kind {
        case .activeDirectory: return try await setActiveDirectoryPassword(of: user, to: password)
        case .openLDAP: return try await setOpenLDAPPassword(of: user, to: password)
        }
    }

    // MARK: Filters

    static func hasControlCharacters(_ f: UserFilter) -> Bool {
        switch f {
        case .equals(_, let v): return v.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
        case .and(let fs), .or(let fs): return fs.contains(where: hasControlCharacters)
        }
    }

    func ldapAttribute(_ a: UserAttribute) -> String {
        switch a {
        case .id: return kind == .activeDirectory ? "objectGUID" : "entryUUID"
        case .displayName: return "displayName"
        case .userName: return configuration.userNameAttribute
        case .email: return "mail"
        case .givenName: return "givenName"
        case .familyName: return "sn"
        }
    }

    /// Renders a validated filter with every value RFC 4515-escaped.
    func render(_ f: UserFilter) -> String {
        switch f {
        // An id that is not a UUID matches nothing, without being sent as a raw value.
        case .equals(.id, let v): return idFilter(v) ?? "(!(objectClass=*))"
        case .equals(let a, let v): return "(\(ldapAttribute(a))=\(LDAPFilter.escape(v)))"
        case .and(let fs): return "(&" + fs.map(render).joined() + ")"
        case .or(let fs): return "(|" + fs.map(render).joined() + ")"
        }
    }
}

/// What the server's root DSE says it supports, read once per process.
actor RootDSECache {
    private(set) var controls: Set<String>?
    func store(_ c: Set<String>) { controls = c }
}
