import Foundation

/// The discovery endpoints (RFC 7644 §4): what pwsync supports, in each dialect. Okta's cloud never
/// reads them, but its provisioning agent reads `/ServiceProviderConfigs` (1.1) and SCIM testers read all three.
public enum Discovery {
    public static let serviceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    public static let resourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
    public static let schemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"
    public static let oktaProviderConfig = "urn:okta:schemas:scim:providerconfig:1.0"

    public static func serviceProviderConfig(_ version: SCIMVersion, basePath: String, basicAuth: Bool) -> Data {
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
            o[oktaProviderConfig] = ["userManagementCapabilities": [
                "PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PROFILE_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS",
            ]]
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
    public static func resourceType(_ id: String, _ version: SCIMVersion, basePath: String) -> Data? {
        switch id.lowercased() {
        case "user": return JSON.encode(userResourceType(version, basePath: basePath))
        case "group": return JSON.encode(groupResourceType(version, basePath: basePath))
        default: return nil
        }
    }

    public static func resourceTypes(_ version: SCIMVersion, basePath: String) -> Data {
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

    static func userSchema(_ version: SCIMVersion, basePath: String) -> [String: Any] {
        let id = version == .v2 ? SCIMSchema.user : SCIMSchema.userV1
        return [
            "schemas": [version == .v2 ? schemaSchema : SCIMSchema.userV1],
            "id": id, "name": "User", "description": "A directory user account",
            "attributes": [
                attribute("userName", required: true, uniqueness: "server",
                          description: "The account name: the directory attribute pwsync is configured to match."),
                attribute("name", type: "complex", description: "The user's name.", sub: [
                    attribute("givenName", description: "Given name (directory givenName)."),
                    attribute("familyName", description: "Family name (directory sn)."),
                ]),
                attribute("displayName", description: "Display name."),
                attribute("emails", type: "complex", multiValued: true, description: "E-mail address (directory mail).", sub: [
                    attribute("value", description: "The address."),
                    attribute("type", description: "Always 'work'."),
                    attribute("primary", type: "boolean", description: "Always true."),
                ]),
                attribute("active", type: "boolean", description: "False when the account is disabled (AD) or locked (OpenLDAP)."),
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

    public static func schemas(_ version: SCIMVersion, basePath: String) -> Data {
        list([userSchema(version, basePath: basePath), groupSchema(version, basePath: basePath)], version)
    }

    public static func schema(_ id: String, _ version: SCIMVersion, basePath: String) -> Data? {
        let user = userSchema(version, basePath: basePath)
        if id.lowercased() == (user["id"] as? String)?.lowercased() { return JSON.encode(user) }
        if id.lowercased() == SCIMSchema.group.lowercased() { return JSON.encode(groupSchema(version, basePath: basePath)) }
        return nil
    }

    /// An empty ListResponse (e.g. `/Groups`: pwsync has no groups to offer).
    public static func emptyList(_ version: SCIMVersion, startIndex: Int = 1) -> Data {
        JSON.encode(["schemas": [version == .v2 ? SCIMSchema.listResponse : SCIMSchema.userV1],
                     "totalResults": 0, "startIndex": startIndex, "itemsPerPage": 0, "Resources": [Any]()])
    }

    static func list(_ items: [[String: Any]], _ version: SCIMVersion) -> Data {
        JSON.encode(["schemas": [version == .v2 ? SCIMSchema.listResponse : SCIMSchema.userV1],
                     "totalResults": items.count, "startIndex": 1, "itemsPerPage": items.count, "Resources": items])
    }
}
