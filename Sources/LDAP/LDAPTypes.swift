import LDAPSyntax
import Secrets

/// How to reach and trust one directory server.
public struct LDAPConnectionOptions: Sendable {
    public var url: LDAPURL
    /// Upgrade an `ldap://` connection with StartTLS before anything else is sent.
    public var startTLS: Bool
    /// PEM bundle of CAs that may sign the server's certificate; nil = the system store.
    public var caFile: String?
    public var connectTimeout: Duration
    public var operationTimeout: Duration
    /// A plain `ldap://` connection protected by the GSSAPI bind's confidentiality layer instead of
    /// TLS (what Windows tools do): nothing but that bind is sent until the layer is in place.
    public var saslSealing: Bool

    public init(url: LDAPURL, startTLS: Bool = false, caFile: String? = nil,
                connectTimeout: Duration, operationTimeout: Duration, saslSealing: Bool = false) {
        self.url = url
        self.startTLS = startTLS
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.saslSealing = saslSealing
    }

    /// True when the configuration alone asks for TLS. The connection still checks it is really in place.
    public var wantsTLS: Bool { url.scheme == .ldaps || startTLS }
}

public enum LDAPScope: Int32, Sendable { case base = 0, oneLevel = 1, subtree = 2 }

/// One search result entry. Attribute names are lower-cased; values are raw bytes.
public struct LDAPEntry: Sendable, Equatable {
    public let dn: String
    public let attributes: [String: [[UInt8]]]

    public init(dn: String, attributes: [String: [[UInt8]]]) {
        self.dn = dn
        self.attributes = attributes
    }

    public func values(_ name: String) -> [[UInt8]] { attributes[name.lowercased()] ?? [] }
    public func first(_ name: String) -> [UInt8]? { values(name).first }
    public func string(_ name: String) -> String? { first(name).map { String(decoding: $0, as: UTF8.self) } }
}

public enum LDAPValue: Sendable {
    case bytes([UInt8])
    case secret(Secret)

    public static func string(_ s: String) -> LDAPValue { .bytes(Array(s.utf8)) }
}

public struct LDAPModification: Sendable {
    public enum Operation: Int32, Sendable { case add = 0, delete = 1, replace = 2 }
    public let operation: Operation
    public let attribute: String
    public let values: [LDAPValue]

    public init(_ operation: Operation, _ attribute: String, _ values: [LDAPValue]) {
        self.operation = operation
        self.attribute = attribute
        self.values = values
    }
}

public struct LDAPControl: Sendable, Equatable {
    public let oid: String
    public let critical: Bool
    public let value: [UInt8]?

    public init(oid: String, critical: Bool, value: [UInt8]? = nil) {
        self.oid = oid
        self.critical = critical
        self.value = value
    }

    /// draft-behera ppolicy request: slapd only answers with its response control when asked.
    public static let passwordPolicyRequest = LDAPControl(oid: "1.3.6.1.4.1.42.2.27.8.5.1", critical: false)
}
