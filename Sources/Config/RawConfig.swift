/// The TOML file as written, before validation. Key names are the file's (snake_case).
/// Keys on one line belong together (one concept each).
struct RawConfig: Decodable {
    var server: RawServer, directory: RawDirectory, audit: RawAudit
    var active_directory: RawActiveDirectory?, openldap: RawOpenLDAP?
    var provisioning: RawProvisioning?, random: RawRandom?, scope: [RawScope]?, rotation: [RawRotation]?
    var control: RawControl?, log: RawLog?, metrics: RawMetrics?
}

struct RawMetrics: Decodable {
    var listen: String?
}

struct RawServer: Decodable {
    var listen: String?, public_url: String?
    var tls_certificate: String, tls_private_key: String
    var tokens: [RawToken]?, basic_auth: [RawBasic]?
    var max_body_bytes: Int?, retry_after_seconds: Int?
    var allow: [String]?, trusted_proxies: [String]?
    var max_connections: Int?, max_connections_per_client: Int?
    var tls_handshake_timeout_seconds: Number?, request_head_timeout_seconds: Number?, request_body_timeout_seconds: Number?
    var idle_timeout_seconds: Number?, shutdown_timeout_seconds: Number?
}

struct RawBasic: Decodable {
    var name: String
    var username: String
    var hash: String
}

struct RawProvisioning: Decodable {
    var create_users: Bool?, create_base: String?, post_password: String?
    var disable_accounts: Bool?
    var attributes: [String: String]?
}

struct RawOpenLDAP: Decodable {
    var ppolicy_default: String?
}

struct RawRandom: Decodable {
    var length: Int?, classes: [String]?, exclude: String?
    var scramble_on_deactivate: Bool?
}

struct RawRotation: Decodable {
    var scope: String
    var interval: String
    var rate_per_minute: Int?
}

struct RawControl: Decodable {
    var socket: String?
}

struct RawScope: Decodable {
    var name: String, mode: String
    var subtree: String?, group: String?, users: [String]?
}

struct RawToken: Decodable {
    var name: String
    var hash: String
}

struct RawDirectory: Decodable {
    var kind: String
    var urls: [String]?, discover_domain: String?, starttls: Bool?, ca_file: String?, channel: String?
    var bind: String?, bind_dn: String?, bind_password_file: String?, kerberos_keytab: String?, kerberos_principal: String?
    var user_base: String, user_name_attribute: StringOrList?
    var connect_timeout_seconds: Number?, operation_timeout_seconds: Number?
    var pool_size: Int?, pool_wait_seconds: Number?
}

struct RawActiveDirectory: Decodable {
    var pwd_last_set: String?
    var history: String?
}

struct RawAudit: Decodable {
    var path: String
    var fsync: String?, fsync_batch_records: Int?, fsync_interval_ms: Int?
    var max_bytes: Int?, keep: Int?
    var seal_key_file: String?
}

struct RawLog: Decodable {
    var level: String?
}

/// `"uid"` or `["uid", "mail"]`.
struct StringOrList: Decodable {
    var values: [String]
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { values = [s] } else { values = try c.decode([String].self) }
    }
}

/// A TOML number written either as `5` or `5.0` (TOMLKit will not read an integer as a Double).
struct Number: Decodable {
    var value: Double
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { value = Double(i) } else { value = try c.decode(Double.self) }
    }
}

extension RawConfig {
    /// For "wrong type" messages: what each key takes.
    static func expectedType(_ key: String) -> String {
        switch key {
        case "starttls", "create_users", "disable_accounts", "scramble_on_deactivate": return "true or false"
        case "max_connections", "max_connections_per_client", "length": return "an integer"
        case "classes": return "an array of class names, e.g. [\"lower\", \"upper\", \"digits\", \"symbols\"]"
        case "users": return "an array of userNames, e.g. [\"kiosk1\", \"shared-reception\"]"
        case "scope": return "[[scope]] tables"
        case "rotation": return "[[rotation]] tables"
        case "rate_per_minute": return "an integer"
        case "tls_handshake_timeout_seconds", "request_head_timeout_seconds", "request_body_timeout_seconds", "idle_timeout_seconds",
             "shutdown_timeout_seconds": return "a number of seconds"
        case "allow", "trusted_proxies": return "an array of networks, e.g. [\"192.0.2.0/24\", \"2001:db8::/32\"]"
        case "max_body_bytes", "retry_after_seconds", "pool_size", "fsync_batch_records", "fsync_interval_ms", "max_bytes", "keep": return "an integer"
        case "connect_timeout_seconds", "operation_timeout_seconds", "pool_wait_seconds": return "a number of seconds"
        case "urls": return "an array of strings, e.g. [\"ldaps://dc1.example.com\"]"
        case "user_name_attribute": return "a string or an array of strings, e.g. [\"userPrincipalName\", \"sAMAccountName\"]"
        case "attributes": return "a [provisioning.attributes] table of \"SCIM path\" = \"directoryAttribute\""
        case "tokens": return "[[server.tokens]] tables"
        case "basic_auth": return "[[server.basic_auth]] tables"
        case "server", "directory", "active_directory", "openldap", "random", "control", "provisioning", "audit", "log", "metrics": return "a [\(key)] table"
        default: return "a string in quotes"
        }
    }
}
