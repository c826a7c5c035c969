import FoundationEssentials

/// A Group as returned to SCIM clients: its name and its members (user ids, with their userName
/// as `display`), in 2.0 or 1.1 form.
package struct GroupResource: Sendable, Equatable, SCIMResource {
    package struct Member: Sendable, Equatable {
        package var id: String
        package var display: String?

        package init(id: String, display: String? = nil) {
            self.id = id
            self.display = display
        }
    }

    package var id: String
    package var displayName: String
    package var members: [Member]
    package var created: String?
    package var lastModified: String?

    package init(id: String, displayName: String, members: [Member] = [], created: String? = nil, lastModified: String? = nil) {
        self.id = id
        self.displayName = displayName
        self.members = members
        self.created = created
        self.lastModified = lastModified
    }

    package func jsonObject(_ ctx: ResponseContext) -> [String: Any] {
        var o: [String: Any] = [
            "schemas": [ctx.version == .v2 ? SCIMSchema.group : SCIMSchema.userV1],
            "id": id,
            "displayName": displayName,
        ]
        o["members"] = members.map { m -> [String: Any] in
            var entry: [String: Any] = ["value": m.id]
            if let display = m.display { entry["display"] = display }
            if ctx.version == .v2 {
                entry["$ref"] = "\(ctx.baseURL)/Users/\(m.id)"
                entry["type"] = "User"
            }
            return entry
        }
        o["meta"] = ctx.meta("Group", "Groups/\(id)", created: created, lastModified: lastModified)
        return ctx.selection.apply(o)
    }
}
