import FoundationEssentials
import PlainText

/// A Group as Okta sends it in `POST /Groups` and `PUT /Groups/{id}` (SCIM 2.0 or 1.1):
/// `{"schemas":[…Group],"displayName":"…","members":[{"value":"<user id>"}]}`. Okta's 1.1
/// description (`urn:okta:custom:group:1.0`) is not kept: no directory attribute is mapped to it.
public struct GroupDocument: Sendable, Equatable {
    package var id: String?
    package var displayName: String
    /// The members' SCIM ids, in the order sent, each once.
    package var members: [String]

    package init(id: String? = nil, displayName: String, members: [String] = []) {
        self.id = id
        self.displayName = displayName
        self.members = members
    }

    public static func parse(_ body: Data, version: SCIMVersion) throws(SCIMError) -> GroupDocument {
        let root = try [String: JSONValue].resource(body, schema: version == .v2 ? SCIMSchema.group : SCIMSchema.userV1, "A Group body")
        var doc = GroupDocument(displayName: try displayName(root.value("displayName")))
        doc.id = try root.optionalString("id")
        if let members = root.value("members") { doc.members = try memberIDs(members).ids }
        return doc
    }

    /// A group's name: a non-empty string of at most 256 characters without control characters.
    static func displayName(_ v: JSONValue?) throws(SCIMError) -> String {
        guard let name = v?.string, !name.trimmingBlanks().isEmpty else {
            throw .invalidValue("\"displayName\" is required and must be a non-empty string.")
        }
        guard name.count <= 256 else { throw .invalidValue("\"displayName\" is longer than 256 characters.") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .invalidValue("\"displayName\" contains a control character.")
        }
        return name
    }

    /// `[{"value":"<id>"}, …]`: the ids, each once, in order; with 1.1's `"operation":"delete"`
    /// marks apart.
    static func memberIDs(_ v: JSONValue) throws(SCIMError) -> (ids: [String], deleted: [String]) {
        guard let list = v.array else { throw .invalidValue("\"members\" must be an array of {\"value\": \"<user id>\"}.") }
        var ids: [String] = [], deleted: [String] = [], seen = Set<String>()
        for entry in list {
            guard let o = entry.object, let id = try o.optionalString("value"), !id.isEmpty else {
                throw .invalidValue("Each entry of \"members\" must be an object with the member's id as a string \"value\".")
            }
            let delete = o.value("operation")?.string?.lowercased() == "delete"
            guard seen.insert((delete ? "-" : "+") + id.lowercased()).inserted else { continue }
            if delete { deleted.append(id) } else { ids.append(id) }
        }
        return (ids, deleted)
    }
}
