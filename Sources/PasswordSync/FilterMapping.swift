import Directory
import SCIM

/// Turns a parsed SCIM filter into a directory query, naming what is not supported.
enum FilterMapping {
    static let supported = UserAttribute.filterable.map(\.scimName).joined(separator: ", ")

    static func userFilter(_ f: SCIMFilter) throws(SyncError) -> UserFilter {
        switch f {
        case .and(let a, let b): return .and([try userFilter(a), try userFilter(b)])
        case .or(let a, let b): return .or([try userFilter(a), try userFilter(b)])
        case .eq(let name, let value):
            guard let attr = attribute(name) else {
                throw SyncError(.unsupportedFilter, "Filtering on '\(name)' is not supported; pwsync can filter on \(supported).")
            }
            guard case .string(let s) = value else {
                throw SyncError(.unsupportedFilter, "'\(name)' must be compared with a quoted string.")
            }
            return .equals(attr, s)
        }
    }

    /// Attribute names are case-insensitive (RFC 7644 §3.4.2.2) and may carry the core schema URN.
    static func attribute(_ name: String) -> UserAttribute? {
        var n = name.lowercased()
        let urn = SCIMSchema.user.lowercased() + ":"
        if n.hasPrefix(urn) { n.removeFirst(urn.count) }
        return UserAttribute(filterName: n)
    }
}
