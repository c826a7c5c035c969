import PlainText

/// RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes`: which attributes a response carries.
/// `id` and `schemas` are always returned; names are case-insensitive, may carry the core schema
/// URN, and may name a sub-attribute (`name.givenName`, `emails.value`).
public struct AttributeSelection: Sendable, Equatable {
    enum Mode: Sendable, Equatable { case all, only(Set<String>), except(Set<String>) }
    let mode: Mode

    package static let all = AttributeSelection(mode: .all)
    static let always: Set<String> = ["id", "schemas"]

    init(mode: Mode) { self.mode = mode }

    /// From the query parameters; `attributes` wins when both are given (RFC: they are exclusive).
    public init(attributes: String?, excludedAttributes: String?) {
        func names(_ s: String) -> Set<String> {
            Set(s.split(separator: ",").compactMap { raw -> String? in
                var n = raw.trimmingBlanks().lowercased()
                for urn in [SCIMSchema.user.lowercased() + ":", SCIMSchema.group.lowercased() + ":", SCIMSchema.userV1 + ":"] where n.hasPrefix(urn) { n.removeFirst(urn.count) }
                return n.isEmpty ? nil : n
            })
        }
        if let a = attributes, !names(a).isEmpty { mode = .only(names(a)) }
        else if let e = excludedAttributes, !names(e).isEmpty { mode = .except(names(e)) }
        else { mode = .all }
    }

    package func apply(_ resource: [String: Any]) -> [String: Any] {
        switch mode {
        case .all:
            return resource
        case .only(let wanted):
            var out: [String: Any] = [:]
            for (key, value) in resource {
                let k = key.lowercased()
                if Self.always.contains(k) || wanted.contains(k) { out[key] = value; continue }
                let subs = Set(wanted.compactMap { $0.hasPrefix(k + ".") ? String($0.dropFirst(k.count + 1)) : nil })
                if !subs.isEmpty, let kept = Self.keep(value, subs) { out[key] = kept }
            }
            return out
        case .except(let unwanted):
            var out: [String: Any] = [:]
            for (key, value) in resource {
                let k = key.lowercased()
                if !Self.always.contains(k) && unwanted.contains(k) { continue }
                let subs = Set(unwanted.compactMap { $0.hasPrefix(k + ".") ? String($0.dropFirst(k.count + 1)) : nil })
                out[key] = subs.isEmpty ? value : Self.drop(value, subs)
            }
            return out
        }
    }

    /// The listed sub-attributes of a complex value, or of each element of a multi-valued one.
    static func keep(_ value: Any, _ subs: Set<String>) -> Any? {
        if let o = value as? [String: Any] {
            let kept = o.filter { subs.contains($0.key.lowercased()) }
            return kept.isEmpty ? nil : kept
        }
        if let list = value as? [[String: Any]] {
            let kept = list.map { $0.filter { subs.contains($0.key.lowercased()) } }.filter { !$0.isEmpty }
            return kept.isEmpty ? nil : kept
        }
        return nil
    }

    static func drop(_ value: Any, _ subs: Set<String>) -> Any {
        if let o = value as? [String: Any] { return o.filter { !subs.contains($0.key.lowercased()) } }
        if let list = value as? [[String: Any]] { return list.map { $0.filter { !subs.contains($0.key.lowercased()) } } }
        return value
    }
}
