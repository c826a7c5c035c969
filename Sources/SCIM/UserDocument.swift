import FoundationEssentials
import Secrets
import PlainText

/// A full User resource as Okta sends it in `POST /Users` and `PUT /Users/{id}` (SCIM 2.0 or 1.1).
/// Reduced to what pwsync uses; the password goes straight into a `Secret`.
public struct UserDocument: Sendable {
    package var id: String?
    package var userName: String
    package var givenName: String?
    package var familyName: String?
    package var displayName: String?
    package var email: String?
    /// Absent means "leave as is" (a PUT without `active` does not deactivate anyone).
    package var active: Bool?
    /// Absent means "leave the password alone"; a PUT never clears a password.
    package var password: Secret?
    /// Every profile value in the document, by canonical path.
    package var profile: [String: String?] = [:]

    /// Parses and checks the body. An empty `password` is an error except on POST, where Okta's
    /// meaningless placeholder may be anything and is treated as absent.
    public static func parse(_ body: Data, version: SCIMVersion, emptyPasswordIsAbsent: Bool = false) throws(SCIMError) -> UserDocument {
        let root = try [String: JSONValue].resource(body, schema: version == .v2 ? SCIMSchema.user : SCIMSchema.userV1, "A User body")
        guard let userName = try root.optionalString("userName"), !userName.trimmingBlanks().isEmpty else {
            throw .invalidValue("\"userName\" is required and must be a non-empty string.")
        }
        var doc = UserDocument(userName: userName)
        doc.id = try root.optionalString("id")
        if let name = root.value("name") {
            guard let n = name.object else { throw .invalidValue("\"name\" must be an object.") }
            doc.givenName = try n.optionalString("givenName")
            doc.familyName = try n.optionalString("familyName")
        }
        doc.displayName = try root.optionalString("displayName")
        if let emails = root.value("emails") {
            guard let list = emails.array else { throw .invalidValue("\"emails\" must be an array.") }
            var first: String?, primary: String?
            for e in list {
                guard let o = e.object, let v = try o.optionalString("value") else {
                    throw .invalidValue("Each entry of \"emails\" must be an object with a string \"value\".")
                }
                if first == nil { first = v }
                if case .bool(true)? = o.value("primary"), primary == nil { primary = v }
            }
            doc.email = primary ?? first
        }
        if let a = root.value("active") { doc.active = try PatchRequest.active(a) }
        doc.profile = ProfilePath.flatten(root)
        if let p = root.value("password") {
            if emptyPasswordIsAbsent, p.string == "" || p == .null {
                doc.password = nil
            } else {
                doc.password = try PatchRequest.password(p)
            }
        }
        return doc
    }

    /// What a PUT asks pwsync to change.
    package var change: UserChange { UserChange(password: password, active: active, form: .put, profile: profile) }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Attribute names are case-insensitive (RFC 7643 §2.1).
    func value(_ name: String) -> JSONValue? {
        if let v = self[name] { return v }
        let lower = name.lowercased()
        return first { $0.key.lowercased() == lower }?.value
    }

    func optionalString(_ name: String) throws(SCIMError) -> String? {
        guard let v = value(name), v != .null else { return nil }
        guard let s = v.string else { throw .invalidValue("\"\(name)\" must be a string.") }
        return s
    }
}
