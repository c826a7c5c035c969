import Foundation

/// A User as returned to SCIM clients. There is deliberately no password field: RFC 7643 makes it
/// `returned: never`, and whatever a GET returns comes back in Okta's next PUT.
public struct UserResource: Sendable, Equatable {
    public var id: String
    public var userName: String
    public var active: Bool
    public var givenName: String?
    public var familyName: String?
    public var displayName: String?
    public var email: String?

    public init(id: String, userName: String, active: Bool, givenName: String? = nil, familyName: String? = nil,
                displayName: String? = nil, email: String? = nil) {
        self.id = id
        self.userName = userName
        self.active = active
        self.givenName = givenName
        self.familyName = familyName
        self.displayName = displayName
        self.email = email
    }

    public func jsonObject(_ version: SCIMVersion, basePath: String) -> [String: Any] {
        var o: [String: Any] = [
            "schemas": [version == .v2 ? SCIMSchema.user : SCIMSchema.userV1],
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
        o["meta"] = ["resourceType": "User", "location": "\(basePath)/Users/\(id)"]
        return o
    }

    public func body(_ version: SCIMVersion, basePath: String) -> Data {
        JSON.encode(jsonObject(version, basePath: basePath))
    }
}

/// RFC 7644 §3.4.2 ListResponse: 1-based `startIndex`, integer totals, results in `Resources`.
public struct ListResponse: Sendable {
    public var totalResults: Int
    public var startIndex: Int
    public var resources: [UserResource]

    public init(totalResults: Int, startIndex: Int, resources: [UserResource]) {
        self.totalResults = totalResults
        self.startIndex = startIndex
        self.resources = resources
    }

    public func body(_ version: SCIMVersion, basePath: String) -> Data {
        JSON.encode([
            "schemas": [version == .v2 ? SCIMSchema.listResponse : SCIMSchema.userV1],
            "totalResults": totalResults,
            "startIndex": startIndex,
            "itemsPerPage": resources.count,
            "Resources": resources.map { $0.jsonObject(version, basePath: basePath) },
        ])
    }
}

/// `startIndex` and `count` as RFC 7644 §3.4.2.4 reads them: startIndex < 1 means 1, count < 0 means 0.
public struct Pagination: Sendable, Equatable {
    public var startIndex: Int
    public var count: Int

    public static let maxCount = 1000

    public init(startIndex: String?, count: String?) throws(SCIMError) {
        func int(_ s: String?, _ name: String) throws(SCIMError) -> Int? {
            guard let s else { return nil }
            guard let v = Int(s) else { throw .invalidValue("\"\(name)\" must be an integer, not '\(s)'.") }
            return v
        }
        self.startIndex = max(1, try int(startIndex, "startIndex") ?? 1)
        self.count = min(Self.maxCount, max(0, try int(count, "count") ?? 100))
    }

    public func page<T>(_ all: [T]) -> ArraySlice<T> {
        let from = min(all.count, startIndex - 1)
        let to = min(all.count, from + count)
        return all[from..<to]
    }
}
