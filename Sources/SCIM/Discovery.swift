import FoundationEssentials

/// The discovery endpoints (RFC 7644 §4): what pwsync supports, in each dialect. Okta's cloud never
/// reads them, but its provisioning agent reads `/ServiceProviderConfigs` (1.1) and SCIM testers read all three.
package enum Discovery {
    package static let serviceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    package static let resourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
    package static let schemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"
    package static let oktaProviderConfig = "urn:okta:schemas:scim:providerconfig:1.0"

    /// What this configuration lets pwsync do, so discovery never claims more.
    package struct Capabilities: Sendable, Equatable {
        package var createUsers: Bool
        package var disableAccounts: Bool
        /// Profile attributes written to the directory (canonical paths); empty = profile push off.
        package var profileAttributes: Set<String>
        package var basicAuth: Bool

        package init(createUsers: Bool = false, disableAccounts: Bool = true, profileAttributes: Set<String> = [], basicAuth: Bool = false) {
            self.createUsers = createUsers
            self.disableAccounts = disableAccounts
            self.profileAttributes = profileAttributes
            self.basicAuth = basicAuth
        }

        /// Okta's 1.1 `userManagementCapabilities`.
        var oktaCapabilities: [String] {
            var c: [String] = []
            if createUsers { c.append("PUSH_NEW_USERS") }
            c.append("PUSH_PASSWORD_UPDATES")
            if !profileAttributes.isEmpty { c.append("PUSH_PROFILE_UPDATES") }
            if disableAccounts { c += ["PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"] }
            return c
        }
    }

    package static func serviceProviderConfig(_ version: SCIMVersion, basePath: String, capabilities: Capabilities) -> Data {
        let basicAuth = capabilities.basicAuth
        var schemes: [[String: Any]] = [[
            "type": "oauthbearertoken", "name": "OAuth Bearer Token",
            "description": "A static bearer token (Authorization: Bearer <token>), stored by pwsync as a salted hash.",
            "primary": true,
        ]]
        if basicAuth {
            schemes.append(["type": "httpbasic", "name": "HTTP Basic",
                            "description": "HTTP Basic with a configured user name and password (stored as a salted hash)."])
        }
        var o: [String: Any] = [
            "patch": ["supported": true],
            "bulk": ["supported": false, "maxOperations": 0, "maxPayloadSize": 0],
            "filter": ["supported": true, "maxResults": Pagination.maxCount],
            "changePassword": ["supported": true],
            "sort": ["supported": false],
            "etag": ["supported": false],
            "authenticationSchemes": schemes,
        ]
        switch version {
        case .v2:
            o["schemas"] = [serviceProviderConfigSchema]
            o["meta"] = ["resourceType": "ServiceProviderConfig", "location": "\(basePath)/ServiceProviderConfig"]
        case .v1:
            o["schemas"] = [SCIMSchema.userV1, oktaProviderConfig]
            o[oktaProviderConfig] = ["userManagementCapabilities": capabilities.oktaCapabilities]
        }
        return JSON.encode(o)
    }

    static func userResourceType(_ version: SCIMVersion, basePath: String) -> [String: Any] {
        [
            "schemas": [version == .v2 ? resourceTypeSchema : SCIMSchema.userV1],
            "id": "User", "name": "User", "endpoint": "/Users", "description": "Directory user accounts",
            "schema": version == .v2 ? SCIMSchema.user : SCIMSchema.userV1,
            "meta": ["resourceType": "ResourceType", "location": "\(basePath)/ResourceTypes/User"],
        ]
    }

    static func groupResourceType(_ version: SCIMVersion, basePath: String) -> [String: Any] {
        [
            "schemas": [version == .v2 ? resourceTypeSchema : SCIMSchema.userV1],
            "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Groups (pwsync does not manage groups; always empty)",
            "schema": version == .v2 ? SCIMSchema.group : "urn:scim:schemas:core:1.0",
            "meta": ["resourceType": "ResourceType", "location": "\(basePath)/ResourceTypes/Group"],
        ]
    }

    /// One resource type by id ("User" or "Group"), or nil.
    package static func resourceType(_ id: String, _ version: SCIMVersion, basePath: String) -> Data? {
        switch id.lowercased() {
        case "user": return JSON.encode(userResourceType(version, basePath: basePath))
        case "group": return JSON.encode(groupResourceType(version, basePath: basePath))
        default: return nil
        }
    }

    package static func resourceTypes(_ version: SCIMVersion, basePath: String) -> Data {
        list([userResourceType(version, basePath: basePath), groupResourceType(version, basePath: basePath)], version)
    }

    static func attribute(_ name: String, type: String = "string", required: Bool = false, mutability: String = "readWrite",
                          returned: String = "default", uniqueness: String = "none", multiValued: Bool = false,
                          caseExact: Bool = false, description: String, sub: [[String: Any]]? = nil) -> [String: Any] {
        var a: [String: Any] = [
            "name": name, "type": type, "multiValued": multiValued, "description": description, "required": required,
            "mutability": mutability, "returned": returned, "uniqueness": uniqueness,
        ]
        if type == "string" || type == "reference" { a["caseExact"] = caseExact }
        if let sub { a["subAttributes"] = sub }
        return a
    }

    static func userSchema(_ version: SCIMVersion, basePath: String, capabilities: Capabilities) -> [String: Any] {
        let id = version == .v2 ? SCIMSchema.user : SCIMSchema.userV1
        // Profile attributes pwsync does not write are read-only here: a PUT carrying them changes nothing.
        func mutability(_ paths: String...) -> String {
            paths.contains(where: capabilities.profileAttributes.contains) ? "readWrite" : "readOnly"
        }
        return [
            "schemas": [version == .v2 ? schemaSchema : SCIMSchema.userV1],
            "id": id, "name": "User", "description": "A directory user account",
            "attributes": [
                attribute("userName", required: true, uniqueness: "server",
                          description: "The account name: the directory attribute pwsync is configured to match."),
                attribute("name", type: "complex", mutability: mutability("name.givenname", "name.familyname"), description: "The user's name.", sub: [
                    attribute("givenName", mutability: mutability("name.givenname"), description: "Given name (directory givenName)."),
                    attribute("familyName", mutability: mutability("name.familyname"), description: "Family name (directory sn)."),
                ]),
                attribute("displayName", mutability: mutability("displayname"), description: "Display name."),
                attribute("emails", type: "complex", mutability: mutability("emails[primary].value", "emails[type eq \"work\"].value"), multiValued: true,
                          description: "E-mail address (directory mail).", sub: [
                    attribute("value", description: "The address."),
                    attribute("type", description: "Always 'work'."),
                    attribute("primary", type: "boolean", description: "Always true."),
                ]),
                attribute("active", type: "boolean", mutability: capabilities.disableAccounts ? "readWrite" : "readOnly",
                          description: "False when the account is disabled (AD) or locked (OpenLDAP)."),
                attribute("password", mutability: "writeOnly", returned: "never",
                          description: "Written to the directory; never stored by pwsync and never returned."),
            ],
            "meta": ["resourceType": "Schema", "location": "\(basePath)/Schemas/\(id)"],
        ]
    }

    static func groupSchema(_ version: SCIMVersion, basePath: String) -> [String: Any] {
        [
            "schemas": [version == .v2 ? schemaSchema : SCIMSchema.userV1],
            "id": SCIMSchema.group, "name": "Group", "description": "Groups (not managed by pwsync)",
            "attributes": [attribute("displayName", required: true, description: "Group name.")],
            "meta": ["resourceType": "Schema", "location": "\(basePath)/Schemas/\(SCIMSchema.group)"],
        ]
    }

    /// 2.0 lists the User and Group schemas; 1.1 has no Group schema of its own, so only User.
    package static func schemas(_ version: SCIMVersion, basePath: String, capabilities: Capabilities) -> Data {
        let user = userSchema(version, basePath: basePath, capabilities: capabilities)
        switch version {
        case .v2: return list([user, groupSchema(version, basePath: basePath)], version)
        case .v1: return JSON.encode(["schemas": [SCIMSchema.listResponseV1], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "Resources": [user]])
        }
    }

    package static func schema(_ id: String, _ version: SCIMVersion, basePath: String, capabilities: Capabilities) -> Data? {
        let user = userSchema(version, basePath: basePath, capabilities: capabilities)
        if id.lowercased() == (user["id"] as? String)?.lowercased() { return JSON.encode(user) }
        if version == .v2, id.lowercased() == SCIMSchema.group.lowercased() { return JSON.encode(groupSchema(version, basePath: basePath)) }
        return nil
    }

    /// An empty ListResponse (e.g. `/Groups`: pwsync has no groups to offer).
    package static func emptyList(_ version: SCIMVersion, startIndex: Int = 1) -> Data {
        JSON.encode(["schemas": [version == .v2 ? SCIMSchema.listResponse : SCIMSchema.userV1],
                     "totalResults": 0, "startIndex": startIndex, "itemsPerPage": 0, "Resources": [Any]()])
    }

    static func list(_ items: [[String: Any]], _ version: SCIMVersion) -> Data {
        JSON.encode(["schemas": [version == .v2 ? SCIMSchema.listResponse : SCIMSchema.userV1],
                     "totalResults": items.count, "startIndex": 1, "itemsPerPage": items.count, "Resources": items])
    }
}
