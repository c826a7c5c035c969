import Access
import Audit
import Directory
import FoundationEssentials
import LDAPSyntax
import Logging
import PasswordSync
import Secrets
import TOMLKit

/// pwsync's validated configuration, in the types its consumers use. Everything here has been
/// checked against the rules that keep passwords safe (TLS to the directory, hashed tokens) and
/// against the file system, by reading only this file and the metadata of the files it names.
public struct Configuration: Sendable {
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        public var certificatePath: String
        public var privateKeyPath: String
        public var maxBodyBytes: Int
        public var retryAfterSeconds: Int
        public var tokens: [Credential]
        /// `https://host[:port]` Okta uses, for absolute `meta.location`; nil = from the request's Host.
        public var publicURL: String?
        /// Client networks allowed to connect (empty = all).
        public var allow: ClientAllowlist
        public var maxConnections: Int
        public var maxConnectionsPerClient: Int
        /// Seconds: TLS handshake, request head, request body, idle keep-alive.
        public var handshakeTimeout: Double
        public var headTimeout: Double
        public var bodyTimeout: Double
        public var idleTimeout: Double
        /// Seconds SIGTERM waits for requests in flight before they are cut off and pwsync exits.
        public var shutdownTimeout: Double = 20
        /// Balancers whose PROXY header or `X-Forwarded-For` names the client (empty = none).
        public var trustedProxies = TrustedProxies([])
    }

    public struct Credential: Sendable {
        /// Recorded in the audit log as the principal.
        public var name: String
        /// Set for HTTP Basic credentials ([[server.basic_auth]]); nil for bearer tokens.
        public var username: String?
        public var hash: TokenHash
    }

    public struct Provisioning: Sendable {
        /// Where new accounts are created; nil = never create.
        public var createBase: String?
        /// The placeholder and account-disabling choices.
        public var policy: SyncPolicy
        /// Profile attributes written to the directory: canonical SCIM path → directory attribute.
        public var attributes: [String: String]
    }

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
        public var connectTimeout: Double
        public var operationTimeout: Double
        public var poolSize: Int
        /// Seconds a push may wait for a pooled connection before it is answered 429.
        public var poolWait: Double
        /// OpenLDAP: ppolicy's default policy entry (`[openldap] ppolicy_default`).
        public var ppolicyDefault: String?

        /// The longest one directory step can take once started: a connect to every server in
        /// turn, the operation, and the re-read that settles an unanswered write.
        public var stepBound: Double { connectTimeout * Double(max(1, urls.count)) + operationTimeout + min(5, operationTimeout) }
        /// How long after a push arrives pwsync may still start a directory step, so that the
        /// answer leaves within 55 s, before Okta gives up at 60.
        public var requestBudget: Double { 55 - stepBound }
    }

    public struct Audit: Sendable {
        public var path: String
        public var sync: AuditLog.SyncPolicy
        public var maxBytes: Int?
        public var keep: Int
        /// The forward-secure sealing key (`pwsync audit keygen`); nil = records are chained, not sealed.
        public var sealKeyFile: String?
    }

    public var server: Server
    /// The control socket for `pwsync set-password` and `pwsync rotate`; nil = off.
    public var controlSocket: String? = Configuration.defaultControlSocket
    /// systemd's RuntimeDirectory= when set, else /run/pwsync.
    public static var defaultControlSocket: String {
        let dir = ProcessInfo.processInfo.environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first.map(String.init) ?? "/run/pwsync"
        return dir + "/control.sock"
    }
    /// Scheduled rotations of `random` scopes.
    public var rotations: [RotationSchedule] = []
    public var directory: Directory
    public var activeDirectory: ActiveDirectoryOptions
    public var provisioning: Provisioning
    public var audit: Audit
    public var logLevel: Logger.Level
    /// Where `GET /metrics` listens (plain HTTP); nil = off.
    public var metrics: (host: String, port: Int)?
    /// Where each key was written, for `file:line` messages about values checked after loading.
    public var file: String = ""
    var lines: [String: Int] = [:]
    public func line(of key: String) -> Int { lines[key] ?? lines[String(key.split(separator: ".").first ?? "")] ?? 1 }

    static let userNameAttributes: [DirectoryKind: [String]] = [
        .activeDirectory: ["sAMAccountName", "userPrincipalName", "mail"],
        .openLDAP: ["uid", "mail"],
    ]
    /// Email-shaped userNames (what Okta and most tenants send) match out of the box.
    static let defaultUserNameAttributes: [DirectoryKind: [String]] = [
        .activeDirectory: ["userPrincipalName", "sAMAccountName"],
        .openLDAP: ["uid", "mail"],
    ]
    /// Directory attributes a profile mapping may never write: secrets, ids, account state, names.
    static let unmappable: Set<String> = [
        "userpassword", "unicodepwd", "objectclass", "objectguid", "entryuuid", "useraccountcontrol", "pwdaccountlockedtime",
        "samaccountname", "userprincipalname", "uid", "cn", "pwdlastset", "memberof", "member", "distinguishedname",
    ]

    /// Reads and validates `path`. Throws `ConfigErrors` listing every problem with its line.
    public static func load(path: String) throws(ConfigErrors) -> Configuration {
        // Whoever can write the config can add a token hash: like sshd's StrictModes, refuse it.
        do { try SecretFile.checkNotWritableByOthers(path) } catch {
            throw ConfigErrors(errors: [ConfigError(file: path, line: 1, key: "", message: "\(error)")])
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(file: path, line: 1, key: "", message: "cannot read the config file")])
        }
        return try parse(text, file: path)
    }

    /// `filesWrittenLater`: keys whose files do not exist yet and are not checked (`pwsync init`
    /// checks its answers before writing the secrets, and writes a config whose certificate is
    /// still with the CA).
    public static func parse(_ text: String, file: String, filesWrittenLater: Set<String> = []) throws(ConfigErrors) -> Configuration {
        let locator = KeyLocator(text)
        func fail(_ path: [String], _ message: String) -> ConfigErrors {
            ConfigErrors(errors: [ConfigError(file: file, line: locator.line(path), key: path.joined(separator: "."), message: message)])
        }
        // toml++ (inside TOMLKit) trips an assertion, not an error, on a table header whose name
        // does not start with a bare-key character or a quote (found by scripts/fuzz: "[.a]",
        // "[\u{8d}…"): refuse it here, with its line.
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // A UTF-8 byte order mark, which toml++ skips at the start of the file, then blanks.
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            let bytes = n == 0 && line.utf8.starts(with: bom) ? line.utf8.dropFirst(3) : line.utf8.dropFirst(0)
            let header = bytes.drop { $0 == 0x20 || $0 == 0x09 }
            guard header.first == UInt8(ascii: "[") else { continue }
            // "[" or "[[", then blanks, then the name: a third "[" is no name either.
            var rest = header.dropFirst()
            if rest.first == UInt8(ascii: "[") { rest = rest.dropFirst() }
            let first = rest.drop { $0 == 0x20 || $0 == 0x09 }.first
            let isKeyStart = first.map { c in
                (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c) || c == 0x5f || c == 0x2d || c == 0x22 || c == 0x27
            } ?? false
            if !isKeyStart {
                throw ConfigErrors(errors: [ConfigError(file: file, line: n + 1, key: "",
                                                        message: "TOML syntax: a table name must start with a letter, a digit, '_', '-' or a quote")])
            }
        }
        let raw: RawConfig
        do {
            raw = try TOMLDecoder(strictDecoding: true).decode(RawConfig.self, from: text)
        } catch let e as TOMLParseError {
            throw ConfigErrors(errors: [ConfigError(file: file, line: e.source.begin.line, key: "", message: "TOML syntax: \(e.description)")])
        } catch let e as UnexpectedKeysError {
            let errors = e.keys.sorted { $0.key < $1.key }.map { key, codingPath -> ConfigError in
                var path = codingPath.map(\.stringValue)
                if path.last != key { path.append(key) }
                return ConfigError(file: file, line: locator.line(path), key: path.joined(separator: "."),
                                   message: "unknown key (check its spelling and section)")
            }
            throw ConfigErrors(errors: errors)
        } catch let DecodingError.keyNotFound(key, ctx) {
            var path = ctx.codingPath.map(\.stringValue)
            if path.last != key.stringValue { path.append(key.stringValue) }
            // TOMLKit also reports a value of the wrong type as "not found": tell the two apart by the text.
            if locator.has(path) {
                throw fail(path, "wrong type: expected \(RawConfig.expectedType(key.stringValue))")
            }
            throw fail(path, "missing required key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw fail(ctx.codingPath.map(\.stringValue), "wrong type: expected \(typeName(type))")
        } catch let DecodingError.valueNotFound(type, ctx) {
            throw fail(ctx.codingPath.map(\.stringValue), "missing value: expected \(typeName(type))")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw fail(ctx.codingPath.map(\.stringValue), "invalid value")
        } catch {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 1, key: "", message: "cannot decode: \(error)")])
        }
        var validator = Validator(file: file, locator: locator, filesWrittenLater: filesWrittenLater)
        var config = try validator.validate(raw)
        config.file = file
        config.lines = locator.lines
        return config
    }

    static func typeName(_ t: Any.Type) -> String {
        switch t {
        case is String.Type: return "a string in quotes"
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return t is any Collection.Type ? "an array" : "a table"
        }
    }
}
