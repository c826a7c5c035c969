/// pwsync's first-class user attributes, in one table: the SCIM path a client names each by,
/// the `DirectoryUser` field that holds it, and whether a filter or a profile push may name it.
/// Each dialect maps them to its directory attribute in one exhaustive switch
/// (`DirectoryDialect.attribute(_:)`), so a new case compiles only once every directory has it.
package enum UserAttribute: String, Sendable, CaseIterable {
    case id, userName, email, givenName, familyName, displayName

    /// As a SCIM client writes it (in messages and filters).
    package var scimName: String {
        switch self {
        case .id: "id"
        case .userName: "userName"
        case .email: "emails.value"
        case .givenName: "name.givenName"
        case .familyName: "name.familyName"
        case .displayName: "displayName"
        }
    }

    /// The canonical, lower-case paths a profile carries its value under (`ProfilePath.canonical`);
    /// empty for the attributes that are never profile data.
    package var profilePaths: [String] {
        switch self {
        case .id, .userName: []
        case .email: ["emails[primary].value", "emails[type eq \"work\"].value"]
        case .givenName: ["name.givenname"]
        case .familyName: ["name.familyname"]
        case .displayName: ["displayname"]
        }
    }

    /// The lower-case names a SCIM filter may compare it by (RFC 7644 §3.4.2.2); empty when a filter
    /// may not name it.
    package var filterNames: [String] {
        switch self {
        case .id, .displayName: []
        case .userName: ["username"]
        case .email: ["emails", "emails.value"]
        case .givenName: ["name.givenname"]
        case .familyName: ["name.familyname"]
        }
    }

    /// The attribute a canonical profile path names, if it is one of these.
    package init?(profilePath path: String) {
        guard let found = Self.byProfilePath[path] else { return nil }
        self = found
    }

    /// The attribute a filter names (any case), if a filter may name it.
    package init?(filterName name: String) {
        guard let found = Self.byFilterName[name.lowercased()] else { return nil }
        self = found
    }

    /// What a filter may name, as a client writes it.
    package static var filterable: [UserAttribute] { allCases.filter { !$0.filterNames.isEmpty } }

    private static let byProfilePath = Dictionary(uniqueKeysWithValues: allCases.flatMap { a in a.profilePaths.map { ($0, a) } })
    private static let byFilterName = Dictionary(uniqueKeysWithValues: allCases.flatMap { a in a.filterNames.map { ($0, a) } })
}

extension DirectoryUser {
    /// The value of a first-class attribute. `id` and `userName` say who the account is: they are
    /// set when it is read, and never through here.
    package subscript(attribute: UserAttribute) -> String? {
        get {
            switch attribute {
            case .id: id
            case .userName: userName
            case .email: email
            case .givenName: givenName
            case .familyName: familyName
            case .displayName: displayName
            }
        }
        set {
            switch attribute {
            case .id, .userName: break
            case .email: email = newValue
            case .givenName: givenName = newValue
            case .familyName: familyName = newValue
            case .displayName: displayName = newValue
            }
        }
    }

    /// What pwsync holds for a canonical profile path: a first-class attribute, else a mapped value.
    package func value(atProfilePath path: String) -> String? {
        UserAttribute(profilePath: path).map { self[$0] } ?? profile[path]
    }
}
