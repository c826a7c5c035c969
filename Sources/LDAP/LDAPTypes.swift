import LDAPSyntax
import Secrets

/// How to reach and trust one directory server.
package struct LDAPConnectionOptions: Sendable {
    package var url: LDAPURL
    /// Upgrade an `ldap://` connection with StartTLS before anything else is sent.
    package var startTLS: Bool
    /// PEM bundle of CAs that may sign the server's certificate; nil = the system store.
    package var caFile: String?
    package var connectTimeout: Duration
    package var operationTimeout: Duration
    /// A plain `ldap://` connection protected by the GSSAPI bind's confidentiality layer instead of
    /// TLS (what Windows tools do): nothing but that bind is sent until the layer is in place.
    package var saslSealing: Bool

    package init(url: LDAPURL, startTLS: Bool = false, caFile: String? = nil,
                connectTimeout: Duration, operationTimeout: Duration, saslSealing: Bool = false) {
        self.url = url
        self.startTLS = startTLS
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.saslSealing = saslSealing
    }

    /// True when the configuration alone asks for TLS. The connection still checks it is really in place.
    package var wantsTLS: Bool { url.scheme == .ldaps || startTLS }
}

package enum LDAPScope: Int32, Sendable { case base = 0, oneLevel = 1, subtree = 2 }

/// One search result entry. Attribute names are lower-cased; values are raw bytes.
package struct LDAPEntry: Sendable, Equatable {
    package let dn: String
    package let attributes: [String: [[UInt8]]]

    package init(dn: String, attributes: [String: [[UInt8]]]) {
        self.dn = dn
        self.attributes = attributes
    }

    package func values(_ name: String) -> [[UInt8]] { attributes[name.lowercased()] ?? [] }
    package func first(_ name: String) -> [UInt8]? { values(name).first }
    package func string(_ name: String) -> String? { first(name).map { String(decoding: $0, as: UTF8.self) } }
}

package enum LDAPValue: Sendable {
    case bytes([UInt8])
    case secret(Secret)

    package static func string(_ s: String) -> LDAPValue { .bytes(Array(s.utf8)) }
}

package struct LDAPModification: Sendable {
    package enum Operation: Int32, Sendable { case add = 0, delete = 1, replace = 2 }
    package let operation: Operation
    package let attribute: String
    package let values: [LDAPValue]

    package init(_ operation: Operation, _ attribute: String, _ values: [LDAPValue]) {
        self.operation = operation
        self.attribute = attribute
        self.values = values
    }
}

package struct LDAPControl: Sendable, Equatable {
    package let oid: String
    package let critical: Bool
    package let value: [UInt8]?

    package init(oid: String, critical: Bool, value: [UInt8]? = nil) {
        self.oid = oid
        self.critical = critical
        self.value = value
    }

    /// draft-behera ppolicy request: slapd only answers with its response control when asked.
    package static let passwordPolicyRequest = LDAPControl(oid: "1.3.6.1.4.1.42.2.27.8.5.1", critical: false)
}
