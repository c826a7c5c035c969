import Secrets

/// An RFC 4515 search filter built from its parts. Values are escaped when the filter is rendered,
/// so no caller writes filter text by hand and no value can change a filter's shape.
package indirect enum LDAPFilter: Sendable, Hashable, CustomStringConvertible {
    /// `(attribute=value)`.
    case equals(String, String)
    /// `(attribute=\xx\xx…)`: a binary value (an `objectGUID`), every byte escaped.
    case equalsBytes(String, [UInt8])
    /// `(attribute=*)`.
    case present(String)
    /// `(attribute:rule:=value)`, e.g. AD's LDAP_MATCHING_RULE_IN_CHAIN.
    case extensible(String, rule: String, String)
    /// `(&…)`; one part is itself, nested `and`s are flattened.
    case and([LDAPFilter])
    /// `(|…)`; one part is itself.
    case or([LDAPFilter])
    case not(LDAPFilter)
    /// An administrator's filter from the configuration, sent as written (inside one pair of
    /// parentheses); the directory checks its syntax.
    case administrator(String)

    /// Every entry: `(objectClass=*)`.
    package static let any = LDAPFilter.present("objectClass")
    /// No entry: `(!(objectClass=*))`.
    package static let none = LDAPFilter.not(.any)

    /// The filter's text, as sent to the directory.
    package var text: String {
        var out = ""
        render(into: &out)
        return out
    }

    package var description: String { text }

    private func render(into out: inout String) {
        switch self {
        case .equals(let a, let v): out += "(\(a)=\(Self.escape(v)))"
        case .equalsBytes(let a, let v): out += "(\(a)=\(Self.escape(bytes: v)))"
        case .present(let a): out += "(\(a)=*)"
        case .extensible(let a, let rule, let v): out += "(\(a):\(rule):=\(Self.escape(v)))"
        case .and(let parts): Self.render(parts, "&", flattening: true, into: &out)
        case .or(let parts): Self.render(parts, "|", flattening: false, into: &out)
        case .not(let f):
            out += "(!"
            f.render(into: &out)
            out += ")"
        case .administrator(let text): out += "(\(Self.trimmed(text)))"
        }
    }

    private static func render(_ parts: [LDAPFilter], _ op: String, flattening: Bool, into out: inout String) {
        if parts.count == 1 { return parts[0].render(into: &out) }
        out += "(" + op
        for p in parts {
            if flattening, case .and(let inner) = p, inner.count != 1 {
                for q in inner { q.render(into: &out) }
            } else {
                p.render(into: &out)
            }
        }
        out += ")"
    }

    /// Without outer blanks and one pair of outer parentheses.
    private static func trimmed(_ text: String) -> Substring {
        var s = Substring(text)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        if s.first == "(", s.last == ")" { s = s.dropFirst().dropLast() }
        return s
    }

    /// RFC 4515 §3 value escaping. Besides the required `*` `(` `)` `\` NUL it escapes every
    /// control byte and every byte >= 0x80, as libldap's `ldap_bv2escaped_filter_value` does, so a
    /// filter is plain ASCII whatever a SCIM client sends.
    package static func escape(_ value: String) -> String {
        escape(bytes: Array(value.utf8), all: false)
    }

    /// Escapes raw bytes (e.g. a binary `objectGUID`): with `all`, every byte becomes `\xx`.
    package static func escape(bytes: [UInt8], all: Bool = true) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 3)
        for b in bytes {
            let special = b == 0x2a || b == 0x28 || b == 0x29 || b == 0x5c || b < 0x20 || b >= 0x7f
            if all || special {
                out.append(0x5c)
                Hex.append(b, to: &out)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
