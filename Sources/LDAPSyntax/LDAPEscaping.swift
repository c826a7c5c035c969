import Secrets

/// RFC 4515 §3 filter value escaping. Besides the required `*` `(` `)` `\` NUL it escapes every
/// control byte and every byte >= 0x80, as libldap's `ldap_bv2escaped_filter_value` does, so a
/// filter is plain ASCII whatever a SCIM client sends.
package enum LDAPFilter {
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

/// RFC 4514 §2.4 escaping of one attribute value inside a DN (for the RDN of a new entry).
package enum LDAPDN {
    package static func escapeValue(_ value: String) -> String {
        var out = ""
        let chars = Array(value)
        for (i, ch) in chars.enumerated() {
            switch ch {
            case ",", "+", "\"", "\\", "<", ">", ";", "=":
                out.append("\\"); out.append(ch)
            case " " where i == 0 || i == chars.count - 1:
                out.append("\\ ")
            case "#" where i == 0:
                out.append("\\#")
            default:
                if ch.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                    for b in String(ch).utf8 { out += "\\" + Hex.encode([b]) }
                } else {
                    out.append(ch)
                }
            }
        }
        return out
    }
}
