import PlainText

/// Profile attributes as pwsync names them: one canonical, lower-case SCIM path per value, so the
/// same attribute reads the same whether it came in a PUT, a PATCH path or a PATCH value object.
///
/// Forms: `title`, `name.givenname`, `emails[type eq "work"].value`, `emails[primary].value`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department`.
public enum ProfilePath {
    static let coreURN = SCIMSchema.user.lowercased() + ":"
    static let coreURNv1 = SCIMSchema.userV1 + ":"
    /// Attributes with meaning of their own in pwsync, never profile data.
    static let notProfile: Set<String> = ["schemas", "id", "externalid", "username", "password", "active", "meta", "groups"]

    /// The canonical form of a path as a client or the config writes it; nil when it is not one of
    /// the forms above.
    public static func canonical(_ path: String) -> String? {
        var p = path.trimmingBlanks().lowercased()
        for urn in [coreURN, coreURNv1] where p.hasPrefix(urn) { p.removeFirst(urn.count) }
        guard !p.isEmpty else { return nil }
        if let open = p.firstIndex(of: "[") {
            guard let close = p.firstIndex(of: "]"), close > open, p[p.index(after: close)...] == ".value" else { return nil }
            let attr = String(p[..<open])
            let inner = p[p.index(after: open)..<close].split(separator: " ", omittingEmptySubsequences: true)
            guard isName(attr) else { return nil }
            if inner == ["primary"] || inner == ["primary", "eq", "true"] { return "\(attr)[primary].value" }
            if inner.count == 3, inner[0] == "type", inner[1] == "eq", inner[2].count >= 2, inner[2].first == "\"", inner[2].last == "\"" {
                let type = inner[2].dropFirst().dropLast()
                guard !type.isEmpty, type.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
                return "\(attr)[type eq \"\(type)\"].value"
            }
            return nil
        }
        if p.hasPrefix("urn:") {
            guard let colon = p.lastIndex(of: ":"), isName(String(p[p.index(after: colon)...])) else { return nil }
            return p
        }
        let parts = p.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ isName(String($0)) }) else { return nil }
        return notProfile.contains(String(parts[0])) ? nil : p
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    /// Every profile value in a resource or PATCH value object, by canonical path; `nil` = cleared.
    static func flatten(_ object: [String: JSONValue], prefix: String = "") -> [String: String?] {
        var out: [String: String?] = [:]
        for (k, v) in object {
            var key = k.lowercased()
            for urn in [coreURN, coreURNv1] where key.hasPrefix(urn) { key.removeFirst(urn.count) }
            if prefix.isEmpty && notProfile.contains(key) { continue }
            if prefix.isEmpty, key + ":" == coreURN || key + ":" == coreURNv1, let nested = v.object {
                out.merge(flatten(nested)) { $1 }
                continue
            }
            if key.hasPrefix("urn:"), let ext = v.object {
                out.merge(flatten(ext, prefix: key + ":")) { $1 }
                continue
            }
            let path = prefix + key
            switch v {
            case .null: out[path] = .some(nil)
            case .string(let s): out[path] = s
            case .number, .bool: out[path] = scalar(v)
            case .object(let sub) where prefix.isEmpty:
                for (k2, v2) in sub {
                    if v2 == .null { out["\(path).\(k2.lowercased())"] = .some(nil) }
                    else if let s = scalar(v2) { out["\(path).\(k2.lowercased())"] = s }
                }
            case .array(let items):
                for item in items {
                    guard let o = item.object, let value = o.value("value").flatMap(scalar) else { continue }
                    if let type = o.value("type")?.string, let c = canonical("\(path)[type eq \"\(type)\"].value") { out[c] = value }
                    if case .bool(true)? = o.value("primary") { out["\(path)[primary].value"] = value }
                }
            default: continue
            }
        }
        return out
    }

    /// Values under a PATCH `path`: the path itself for a scalar, its members for an object or list.
    static func values(at path: String, _ value: JSONValue) -> [String: String?] {
        guard let c = canonical(path) else { return [:] }
        switch value {
        case .object(let o):
            if c.hasPrefix("urn:") { return flatten(o, prefix: c + ":") }
            return c.contains(".") || c.contains("[") ? [:] : flatten(o, prefix: c + ".")
        case .array: return flatten([c: value])
        case .null: return [c: String?.none]
        default: return scalar(value).map { [c: $0] } ?? [:]
        }
    }

    static func scalar(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        default: return nil
        }
    }

    /// Puts `value` at canonical `path` in a resource being rendered (the inverse of `flatten`).
    static func render(_ path: String, _ value: String, into o: inout [String: Any], names: [String: String]) {
        func name(_ lower: String) -> String { names[lower] ?? lower }
        if let open = path.firstIndex(of: "[") {
            let attr = name(String(path[..<open]))
            var entry: [String: Any] = ["value": value]
            if path.contains("[primary]") { entry["primary"] = true } else if let q1 = path.firstIndex(of: "\""), let q2 = path.lastIndex(of: "\""), q1 < q2 {
                entry["type"] = String(path[path.index(after: q1)..<q2])
            }
            o[attr] = ((o[attr] as? [[String: Any]]) ?? []) + [entry]
        } else if path.hasPrefix("urn:"), let colon = path.lastIndex(of: ":") {
            let urn = String(path[..<colon])
            var ext = (o[urn] as? [String: Any]) ?? [:]
            ext[name(String(path[path.index(after: colon)...]))] = value
            o[urn] = ext
        } else if let dot = path.firstIndex(of: ".") {
            let attr = name(String(path[..<dot]))
            var sub = (o[attr] as? [String: Any]) ?? [:]
            sub[name(String(path[path.index(after: dot)...]))] = value
            o[attr] = sub
        } else {
            o[name(path)] = value
        }
    }

    /// RFC 7643 spellings for rendering lower-case paths back.
    static let spellings: [String: String] = Dictionary(uniqueKeysWithValues: [
        "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage", "locale", "timezone",
        "name", "givenName", "familyName", "middleName", "formatted", "honorificPrefix", "honorificSuffix",
        "emails", "phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates",
        "employeeNumber", "costCenter", "organization", "division", "department", "manager",
    ].map { ($0.lowercased(), $0) })
}
