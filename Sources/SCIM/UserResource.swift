import FoundationEssentials

/// Where and how a response is rendered: the dialect, the absolute base URL for `meta.location`,
/// and the attributes the client asked for.
package struct ResponseContext: Sendable {
    package var version: SCIMVersion
    /// `https://host[:port]`, from `[server] public_url` or the request's Host; nil = relative.
    package var origin: String?
    /// `/scim/v2` or `/scim/v1`.
    package var basePath: String
    package var selection: AttributeSelection

    package init(version: SCIMVersion, origin: String? = nil, basePath: String, selection: AttributeSelection = .all) {
        self.version = version
        self.origin = origin
        self.basePath = basePath
        self.selection = selection
    }

    package var baseURL: String { (origin ?? "") + basePath }
}

/// A resource a ListResponse carries (a User or a Group), rendered for one response.
package protocol SCIMResource: Sendable {
    func jsonObject(_ ctx: ResponseContext) -> [String: Any]
}

extension SCIMResource {
    package func body(_ ctx: ResponseContext) -> Data {
        JSON.encode(jsonObject(ctx))
    }
}

extension ResponseContext {
    /// RFC 7643 §3.1 `meta`: the resource type, its absolute location, and the directory's times.
    func meta(_ resourceType: String, _ path: String, created: String?, lastModified: String?) -> [String: Any] {
        var meta: [String: Any] = ["resourceType": resourceType, "location": "\(baseURL)/\(path)"]
        if let created { meta["created"] = created }
        if let lastModified { meta["lastModified"] = lastModified }
        return meta
    }
}

/// A User as returned to SCIM clients. There is deliberately no password field: RFC 7643 makes it
/// `returned: never`, and whatever a GET returns comes back in Okta's next PUT.
package struct UserResource: Sendable, Equatable, SCIMResource {
    package var id: String
    package var userName: String
    package var active: Bool
    package var givenName: String?
    package var familyName: String?
    package var displayName: String?
    package var email: String?
    /// Mapped profile values by canonical path (`ProfilePath`).
    package var profile: [String: String]
    /// RFC 3339 times from the directory.
    package var created: String?
    package var lastModified: String?

    package init(id: String, userName: String, active: Bool, givenName: String? = nil, familyName: String? = nil,
                displayName: String? = nil, email: String? = nil, profile: [String: String] = [:],
                created: String? = nil, lastModified: String? = nil) {
        self.id = id
        self.userName = userName
        self.active = active
        self.givenName = givenName
        self.familyName = familyName
        self.displayName = displayName
        self.email = email
        self.profile = profile
        self.created = created
        self.lastModified = lastModified
    }

    /// Paths the fixed fields already render.
    static let fixedPaths: Set<String> = ["name.givenname", "name.familyname", "displayname", "emails[type eq \"work\"].value", "emails[primary].value"]

    package func jsonObject(_ ctx: ResponseContext) -> [String: Any] {
        var o: [String: Any] = [
            "schemas": [ctx.version == .v2 ? SCIMSchema.user : SCIMSchema.userV1],
            "id": id,
            "userName": userName,
            "active": active,
        ]
        var name: [String: Any] = [:]
        if let givenName { name["givenName"] = givenName }
        if let familyName { name["familyName"] = familyName }
        if !name.isEmpty { o["name"] = name }
        if let displayName { o["displayName"] = displayName }
        if let email { o["emails"] = [["value": email, "type": "work", "primary": true]] }
        for (path, value) in profile.sorted(by: { $0.key < $1.key }) where !Self.fixedPaths.contains(path) {
            ProfilePath.render(path, value, into: &o, names: ProfilePath.spellings)
        }
        o["meta"] = ctx.meta("User", "Users/\(id)", created: created, lastModified: lastModified)
        return ctx.selection.apply(o)
    }
}

/// RFC 7644 §3.4.2 ListResponse: 1-based `startIndex`, integer totals, results in `Resources`.
package struct ListResponse<Resource: SCIMResource>: Sendable {
    package var totalResults: Int
    package var startIndex: Int
    package var resources: [Resource]

    package init(totalResults: Int, startIndex: Int, resources: [Resource]) {
        self.totalResults = totalResults
        self.startIndex = startIndex
        self.resources = resources
    }

    package func body(_ ctx: ResponseContext) -> Data {
        JSON.encode([
            "schemas": [ctx.version == .v2 ? SCIMSchema.listResponse : SCIMSchema.userV1],
            "totalResults": totalResults,
            "startIndex": startIndex,
            "itemsPerPage": resources.count,
            "Resources": resources.map { $0.jsonObject(ctx) },
        ])
    }
}

/// `startIndex` and `count` as RFC 7644 §3.4.2.4 reads them: startIndex < 1 means 1, count < 0 means 0.
public struct Pagination: Sendable, Equatable {
    package var startIndex: Int
    package var count: Int

    package static let maxCount = 1000

    public init(startIndex: String?, count: String?) throws(SCIMError) {
        func int(_ s: String?, _ name: String) throws(SCIMError) -> Int? {
            guard let s else { return nil }
            guard let v = Int(s) else { throw .invalidValue("\"\(name)\" must be an integer, not '\(s)'.") }
            return v
        }
        self.startIndex = max(1, try int(startIndex, "startIndex") ?? 1)
        self.count = min(Self.maxCount, max(0, try int(count, "count") ?? 100))
    }

    package func page<T>(_ all: [T]) -> ArraySlice<T> {
        let from = min(all.count, startIndex - 1)
        let to = min(all.count, from + count)
        return all[from..<to]
    }
}
