import Secrets

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
