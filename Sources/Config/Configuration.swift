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
    package struct Credential: Sendable {
        /// Recorded in the audit log as the principal.
        package var name: String
        /// Set for HTTP Basic credentials ([[server.basic_auth]]); nil for bearer tokens.
        package var username: String?
        package var hash: TokenHash
    }

    package struct Provisioning: Sendable {
        /// Where new accounts are created; nil = never create.
        package var createBase: String?
        /// The placeholder and account-disabling choices.
        package var policy: SyncPolicy
        /// Profile attributes written to the directory: canonical SCIM path → directory attribute.
        package var attributes: [String: String]
    }

    package var server: Server
    /// The control socket for `pwsync set-password` and `pwsync rotate`; nil = off.
    package var controlSocket: String? = Configuration.defaultControlSocket
    /// systemd's RuntimeDirectory= when set, else /run/pwsync.
    package static var defaultControlSocket: String {
        let dir = ProcessInfo.processInfo.environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first.map(String.init) ?? "/run/pwsync"
        return dir + "/control.sock"
    }
    /// Scheduled rotations of `random` scopes.
    package var rotations: [RotationSchedule] = []
    package var directory: Directory
    package var activeDirectory: ActiveDirectoryOptions
    package var provisioning: Provisioning
    package var audit: Audit
    package var logLevel: Logger.Level
    /// Where `GET /metrics` listens (plain HTTP); nil = off.
    package var metrics: (host: String, port: Int)?
    /// Where each key was written, for `file:line` messages about values checked after loading.
    package var file: String = ""
    var lines: [String: Int] = [:]
    package func line(of key: String) -> Int { lines[key] ?? lines[String(key.split(separator: ".").first ?? "")] ?? 1 }

    /// `[metrics] listen`: loopback, never the SCIM port.
    package static let metricsListen = "127.0.0.1:9469"
    /// `[random] length`; the directory's minimum length is added on top when it is higher.
    package static let randomLengthSetting = Setting("random.length", default: 24, 12...256)
    /// `[[rotation]] rate_per_minute`.
    package static let rotationRateSetting = Setting("rotation.rate_per_minute", default: 60, 1...6000)

    /// Directory attributes a profile mapping may never write: secrets, ids, account state, names.
    static let unmappable: Set<String> = [
        "userpassword", "unicodepwd", "objectclass", "objectguid", "entryuuid", "useraccountcontrol", "pwdaccountlockedtime",
        "samaccountname", "userprincipalname", "uid", "cn", "pwdlastset", "memberof", "member", "distinguishedname",
    ]

    /// Reads and validates `path`. Throws `ConfigErrors` listing every problem with its line.
    package static func load(path: String) throws(ConfigErrors) -> Configuration {
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
