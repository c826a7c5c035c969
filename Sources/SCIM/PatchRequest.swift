import FoundationEssentials
import Secrets

/// Parses a SCIM 2.0 PATCH (RFC 7644 §3.5.2) in the forms Okta sends:
/// `{"op":"replace","value":{"password":"…"}}` (no path, object value — Okta's usual form) and the
/// RFC form `{"op":"replace","path":"password","value":"…"}`. `op` is case-insensitive; operations
/// apply in order. The password goes straight into a `Secret`.
public enum PatchRequest {
    public static func parse(_ body: Data, version: SCIMVersion = .v2) throws(SCIMError) -> UserChange {
        let ops: [PatchBody.Operation]
        switch try PatchBody.parse(body, version: version) {
        case .resource(let root): return try parseV1Resource(root)
        case .operations(let list): ops = list
        }
        var change = UserChange(form: .patchValue)
        for op in ops {
            let path = op.path
            if op.verb == .remove {
                if let path, isPassword(path) { throw .invalidValue("A password cannot be removed, only replaced.") }
                if let path, isActive(path) { throw .invalidValue("\"active\" cannot be removed; set it to true or false.") }
                if let path { change.profile.merge(ProfilePath.values(at: path, .null)) { $1 } }
                continue
            }
            guard let value = op.value else { throw .invalidSyntax("Operation \(op.number) has no \"value\".") }
            if let path {
                if isPassword(path) {
                    change.password = try password(value)
                    change.form = .patchPath
                } else if isActive(path) {
                    change.active = try active(value)
                } else {
                    change.profile.merge(ProfilePath.values(at: path, value)) { $1 }
                }
            } else {
                guard let object = value.object else {
                    throw .invalidValue("Operation \(op.number) has no \"path\", so its \"value\" must be an object of attributes.")
                }
                try apply(object, to: &change)
            }
        }
        return change
    }

    /// A value object without a path: password, active and profile values, also when a client
    /// nests them under the core schema URN (`{"urn:…:core:2.0:User":{"password":"…"}}`).
    static func apply(_ object: [String: JSONValue], to change: inout UserChange) throws(SCIMError) {
        for (key, v) in object {
            if isPassword(key) {
                change.password = try password(v)
                change.form = .patchValue
            } else if isActive(key) {
                change.active = try active(v)
            } else if isCoreSchema(key), let nested = v.object {
                try apply(nested, to: &change)
            }
        }
        change.profile.merge(ProfilePath.flatten(object)) { $1 }
    }

    static func isCoreSchema(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == SCIMSchema.user.lowercased() || n == SCIMSchema.userV1
    }

    /// SCIM 1.1 PATCH: the body is the partial resource itself (`{"schemas":["urn:scim:schemas:core:1.0"],
    /// "active":false}`); attributes listed in `meta.attributes` are removed.
    static func parseV1Resource(_ root: [String: JSONValue]) throws(SCIMError) -> UserChange {
        var change = UserChange(form: .patchResource)
        if let removed = root.value("meta")?.object?.value("attributes")?.array {
            for r in removed {
                if let n = r.string, isPassword(n) { throw .invalidValue("A password cannot be removed, only replaced.") }
                if let n = r.string, isActive(n) { throw .invalidValue("\"active\" cannot be removed; set it to true or false.") }
            }
        }
        if let p = root.value("password") { change.password = try password(p) }
        if let a = root.value("active") { change.active = try active(a) }
        change.profile = ProfilePath.flatten(root)
        return change
    }

    static func isPassword(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == "password" || n == SCIMSchema.user.lowercased() + ":password" || n == SCIMSchema.userV1 + ":password"
    }

    static func isActive(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == "active" || n == SCIMSchema.user.lowercased() + ":active" || n == SCIMSchema.userV1 + ":active"
    }

    static func password(_ v: JSONValue) throws(SCIMError) -> Secret {
        guard let s = v.string else { throw .invalidValue("\"password\" must be a string.") }
        guard !s.isEmpty else { throw .invalidValue("\"password\" must not be empty.") }
        return Secret(s)
    }

    /// Booleans, plus the strings "true"/"false" some clients send.
    static func active(_ v: JSONValue) throws(SCIMError) -> Bool {
        if case .bool(let b) = v { return b }
        if let s = v.string?.lowercased(), s == "true" || s == "false" { return s == "true" }
        throw .invalidValue("\"active\" must be true or false.")
    }
}

extension SCIMError {
    package static func invalidPath(_ detail: String) -> SCIMError { .init(status: 400, scimType: "invalidPath", detail: detail) }
}
