/// An `ldap://` or `ldaps://` server address. Parsed strictly so a typo fails at config load.
package struct LDAPURL: Sendable, Hashable, CustomStringConvertible {
    package enum Scheme: String, Sendable { case ldap, ldaps }

    package let scheme: Scheme
    package let host: String
    package let port: Int

    package enum ParseError: Error, CustomStringConvertible, Equatable {
        case scheme, host, port, trailing
        package var description: String {
            switch self {
            case .scheme: return "must start with ldaps:// or ldap://"
            case .host: return "has no host name"
            case .port: return "has a port that is not a number from 1 to 65535"
            case .trailing: return "must be just scheme://host[:port] (no path, DN or extensions)"
            }
        }
    }

    package init(scheme: Scheme, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port ?? (scheme == .ldaps ? 636 : 389)
    }

    package init(parsing text: String) throws(ParseError) {
        let lower = text.lowercased()
        let scheme: Scheme
        let rest: Substring
        if lower.hasPrefix("ldaps://") { scheme = .ldaps; rest = text.dropFirst(8) }
        else if lower.hasPrefix("ldap://") { scheme = .ldap; rest = text.dropFirst(7) }
        else { throw .scheme }
        var hostPart = rest
        if hostPart.hasSuffix("/") { hostPart = hostPart.dropLast() }
        guard !hostPart.contains("/"), !hostPart.contains("?") else { throw .trailing }
        var host: Substring
        var portText: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw .host }
            host = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            let after = hostPart[hostPart.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .trailing }
                portText = after.dropFirst()
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            host = hostPart[..<colon]
            portText = hostPart[hostPart.index(after: colon)...]
        } else {
            host = hostPart
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" }) else { throw .host }
        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw .port }
            port = p
        }
        self.init(scheme: scheme, host: String(host), port: port)
    }

    package var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(h):\(port)"
    }
}
