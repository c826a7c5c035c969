/// The TOML file as written, before validation. Key names are the file's (snake_case).
struct RawConfig: Decodable {
    var server: RawServer
    var directory: RawDirectory
    var active_directory: RawActiveDirectory?
    var audit: RawAudit
    var log: RawLog?
}

struct RawServer: Decodable {
    var listen: String?
    var tls_certificate: String
    var tls_private_key: String
    var max_body_bytes: Int?
    var retry_after_seconds: Int?
    var tokens: [RawToken]
}

struct RawToken: Decodable {
    var name: String
    var hash: String
}

struct RawDirectory: Decodable {
    var kind: String
    var urls: [String]
    var starttls: Bool?
    var ca_file: String?
    var bind_dn: String
    var bind_password_file: String
    var user_base: String
    var user_name_attribute: String?
    var connect_timeout_seconds: Double?
    var operation_timeout_seconds: Double?
    var pool_size: Int?
}

struct RawActiveDirectory: Decodable {
    var pwd_last_set: String?
    var history: String?
}

struct RawAudit: Decodable {
    var path: String
}

struct RawLog: Decodable {
    var level: String?
}
