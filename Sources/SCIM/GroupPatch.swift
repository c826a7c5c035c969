import FoundationEssentials

/// What a PATCH asks of a group, in the forms Okta sends:
/// - 2.0 rename: `{"op":"replace","value":{"id":"…","displayName":"…"}}` (no path), re-sent with
///   every membership change; or `{"op":"replace","path":"displayName","value":"…"}`;
/// - 2.0 members: `{"op":"add","path":"members","value":[{"value":"<id>"}]}`,
///   `{"op":"remove","path":"members[value eq \"<id>\"]"}`, and `replace` of `members` with the
///   whole list (a full push);
/// - 1.1: the partial resource, a member removed with `"operation":"delete"`, and
///   `meta.attributes: ["members"]` clearing the list first.
/// Operations are kept in order: what they mean for the members depends on who is in the group
/// when they are applied.
public struct GroupPatch: Sendable, Equatable {
    package enum MemberOperation: Sendable, Equatable {
        case add([String])
        case remove([String])
        /// The whole list: whoever is not in it leaves.
        case replace([String])
    }

    package var displayName: String?
    package var members: [MemberOperation] = []

    package init(displayName: String? = nil, members: [MemberOperation] = []) {
        self.displayName = displayName
        self.members = members
    }

    public static func parse(_ body: Data, version: SCIMVersion) throws(SCIMError) -> GroupPatch {
        let ops: [PatchBody.Operation]
        switch try PatchBody.parse(body, version: version) {
        case .resource(let root): return try parseV1Resource(root)
        case .operations(let list): ops = list
        }
        var patch = GroupPatch()
        for op in ops {
            let (verb, value) = (op.verb, op.value)
            switch (verb, try op.path.map(Target.init)) {
            case (.remove, .members?):
                // RFC 7644 §3.5.2.2: without a value, every member; with one, those listed.
                if let value {
                    patch.members.append(.remove(try GroupDocument.memberIDs(value).ids))
                } else {
                    patch.members.append(.replace([]))
                }
            case (.remove, .member(let id)?):
                patch.members.append(.remove([id]))
            case (.remove, .displayName?):
                throw .invalidValue("\"displayName\" cannot be removed; a group needs a name.")
            case (.remove, nil):
                throw .invalidPath("Operation \(op.number) removes without a \"path\"; name the members to remove.")
            case (_, .members?):
                guard let value else { throw .invalidSyntax("Operation \(op.number) has no \"value\".") }
                let ids = try GroupDocument.memberIDs(value).ids
                patch.members.append(verb == .add ? .add(ids) : .replace(ids))
            case (_, .member?):
                throw .invalidPath("Operation \(op.number): a filtered members path can only be removed.")
            case (_, .displayName?):
                patch.displayName = try GroupDocument.displayName(value)
            case (_, nil):
                guard let object = value?.object else {
                    throw .invalidValue("Operation \(op.number) has no \"path\", so its \"value\" must be an object of attributes.")
                }
                if let name = object.value("displayName") { patch.displayName = try GroupDocument.displayName(name) }
                if let members = object.value("members") {
                    let ids = try GroupDocument.memberIDs(members).ids
                    patch.members.append(verb == .add ? .add(ids) : .replace(ids))
                }
            }
        }
        return patch
    }

    /// SCIM 1.1 PATCH (RFC-less, as Okta's 1.1 connector sends it): the partial resource.
    static func parseV1Resource(_ root: [String: JSONValue]) throws(SCIMError) -> GroupPatch {
        var patch = GroupPatch()
        if let name = root.value("displayName") { patch.displayName = try GroupDocument.displayName(name) }
        let cleared = root.value("meta")?.object?.value("attributes")?.array?.contains { $0.string?.lowercased() == "members" } ?? false
        if cleared { patch.members.append(.replace([])) }
        if let members = root.value("members") {
            let (ids, deleted) = try GroupDocument.memberIDs(members)
            if !ids.isEmpty { patch.members.append(.add(ids)) }
            if !deleted.isEmpty { patch.members.append(.remove(deleted)) }
        }
        return patch
    }

    /// The attribute a PATCH path names on a group.
    enum Target: Equatable {
        case displayName
        case members
        /// `members[value eq "<id>"]`.
        case member(String)

        init(_ path: String) throws(SCIMError) {
            var original = Substring(path)
            let urn = SCIMSchema.group + ":"
            if original.lowercased().hasPrefix(urn.lowercased()) { original = original.dropFirst(urn.count) }
            let p = original.lowercased()
            if p == "displayname" { self = .displayName; return }
            if p == "members" { self = .members; return }
            guard p.hasPrefix("members["), p.hasSuffix("]") else {
                throw .invalidPath("'\(path)' is not a group attribute pwsync writes (displayName, members, members[value eq \"<id>\"]).")
            }
            // The filter inside the brackets, in its own case: ids are compared as written.
            let inner = String(original.dropFirst("members[".count).dropLast())
            guard case .eq(let attribute, .string(let id))? = try? SCIMFilter.parse(inner), attribute.lowercased() == "value" else {
                throw .invalidPath("'\(path)': pwsync removes one member at a time, as members[value eq \"<id>\"].")
            }
            self = .member(id)
        }
    }
}
