import FoundationEssentials
import Hummingbird
import NIOCore
import NIOFoundationEssentialsCompat
import Directory
import PasswordSync
import SCIM
import PlainText

/// The SCIM endpoints Okta calls, in one dialect: mounted at `/scim/v2` and at `/scim/v1`.
struct SCIMRoutes {
    let service: PasswordSyncService
    let version: SCIMVersion
    let basicAuth: Bool
    /// `[server] public_url`; nil = locations are built from the request's Host.
    let publicURL: String?
    var basePath: String { "/scim/\(version.rawValue)" }
    var capabilities: Discovery.Capabilities { SCIMUserMapping.capabilities(service.capabilities, basicAuth: basicAuth) }

    /// How to render this request's answer: absolute locations, and the attributes it asked for.
    func rendering(_ request: Request, _ params: [String: String]? = nil) throws -> ResponseContext {
        let params = try params ?? QueryString.parse(Substring(request.uri.query ?? ""))
        return ResponseContext(version: version, origin: origin(request), basePath: basePath,
                               selection: AttributeSelection(attributes: params["attributes"], excludedAttributes: params["excludedAttributes"]))
    }

    /// `https://` + the Host the client used, when it is a plain host[:port].
    func origin(_ request: Request) -> String? {
        if let publicURL { return publicURL }
        guard let host = request.head.authority, !host.isEmpty, host.count <= 255,
              host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }) else { return nil }
        return "https://\(host)"
    }

    func register(_ group: RouterGroup<SCIMRequestContext>) {
        group.get("Users", use: list)
        group.post("Users", use: create)
        group.get("Users/:id", use: get)
        group.put("Users/:id", use: put)
        group.patch("Users/:id", use: patch)
        notAllowed(group, "Users", allow: "GET, POST", [.put, .patch, .delete],
                   detail: "Use POST /Users to create and GET /Users to list or filter.")
        notAllowed(group, "Users/:id", allow: "GET, PUT, PATCH", [.post, .delete],
                   detail: "pwsync never deletes accounts; deactivate them with active=false (PATCH or PUT).")

        group.get("Groups") { request, _ in
            let params = try QueryString.parse(Substring(request.uri.query ?? ""))
            let page = try Pagination(startIndex: params["startIndex"], count: params["count"])
            return Responses.json(Discovery.emptyList(version, startIndex: page.startIndex), version)
        }
        group.get("Groups/:id") { _, context -> Response in
            throw SCIMError.notFound("No group '\(try context.parameters.require("id"))': pwsync does not manage groups.")
        }
        notAllowed(group, "Groups", allow: "GET", [.post, .put, .patch, .delete],
                   detail: "pwsync does not manage groups; turn off Group Push for this app in Okta.")
        notAllowed(group, "Groups/:id", allow: "GET", [.post, .put, .patch, .delete],
                   detail: "pwsync does not manage groups; turn off Group Push for this app in Okta.")

        // Both spellings in both dialects: 2.0 names it singular, Okta's 1.1 agent plural.
        for path in ["ServiceProviderConfig", "ServiceProviderConfigs"] {
            group.get(RouterPath(path)) { _, _ in
                Responses.json(Discovery.serviceProviderConfig(version, basePath: basePath, capabilities: capabilities), version)
            }
            notAllowed(group, path, allow: "GET", [.post, .put, .patch, .delete], detail: "This endpoint is read-only.")
        }
        group.get("ResourceTypes") { _, _ in Responses.json(Discovery.resourceTypes(version, basePath: basePath), version) }
        group.get("ResourceTypes/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let body = Discovery.resourceType(id, version, basePath: basePath) else {
                throw SCIMError.notFound("No resource type '\(id)'; pwsync serves User and Group.")
            }
            return Responses.json(body, version)
        }
        group.get("Schemas") { _, _ in Responses.json(Discovery.schemas(version, basePath: basePath, capabilities: capabilities), version) }
        group.get("Schemas/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let body = Discovery.schema(id, version, basePath: basePath, capabilities: capabilities) else {
                throw SCIMError.notFound("No schema '\(id)'.")
            }
            return Responses.json(body, version)
        }
        for path in ["ResourceTypes", "ResourceTypes/:id", "Schemas", "Schemas/:id"] {
            notAllowed(group, path, allow: "GET", [.post, .put, .patch, .delete], detail: "This endpoint is read-only.")
        }
    }

    /// 405 with `Allow` and a SCIM body, rather than the router's bare 404.
    func notAllowed(_ group: RouterGroup<SCIMRequestContext>, _ path: String, allow: String, _ methods: [HTTPRequest.Method], detail: String) {
        for method in methods {
            group.on(RouterPath(path), method: method) { request, _ -> Response in
                throw SCIMError(status: 405, detail: "\(request.method) is not allowed on \(request.uri.path) (allowed: \(allow)). \(detail)", allow: allow)
            }
        }
    }

    var info: (SCIMRequestContext) -> RequestInfo {
        { RequestInfo(requestID: $0.requestID, client: $0.client, principal: $0.principal) }
    }

    @Sendable func list(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let params = try QueryString.parse(Substring(request.uri.query ?? ""))
        let page = try Pagination(startIndex: params["startIndex"], count: params["count"])
        let filter = try params["filter"].map { f throws(SCIMError) in try SCIMUserMapping.filter(try SCIMFilter.parse(f)) }
        let users = try await service.listUsers(filter: filter)
        return Responses.json(SCIMUserMapping.list(users, page).body(try rendering(request, params)), version)
    }

    @Sendable func get(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let user = try await service.getUser(id: id)
        return Responses.json(SCIMUserMapping.resource(user).body(try rendering(request)), version)
    }

    @Sendable func patch(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let change = try PatchRequest.parse(try await readBody(request, context), version: version)
        let user = try await service.updateUser(id: id, change: SCIMUserMapping.change(change), request: info(context), operation: .patchUser)
        return Responses.json(SCIMUserMapping.resource(user).body(try rendering(request)), version)
    }

    @Sendable func put(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let doc = try UserDocument.parse(try await readBody(request, context), version: version)
        if let bodyID = doc.id, bodyID.lowercased() != id.lowercased() {
            throw SCIMError.mutability("The body's \"id\" (\(bodyID)) differs from the id in the URL; ids cannot be changed.")
        }
        let user = try await service.updateUser(id: id, change: SCIMUserMapping.change(doc.change), request: info(context), operation: .replaceUser)
        return Responses.json(SCIMUserMapping.resource(user).body(try rendering(request)), version)
    }

    @Sendable func create(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let doc = try UserDocument.parse(try await readBody(request, context), version: version, emptyPasswordIsAbsent: true)
        let user = try await service.createUser(SCIMUserMapping.newAccount(doc), request: info(context))
        let rendering = try self.rendering(request)
        var response = Responses.json(SCIMUserMapping.resource(user).body(rendering), status: .created, version)
        response.headers[.location] = "\(rendering.baseURL)/Users/\(user.id)"
        return response
    }

    /// Accepts `application/scim+json` and `application/json` (Okta uses both), any charset.
    func readBody(_ request: Request, _ context: SCIMRequestContext) async throws -> Data {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingBlanks().lowercased() }
        guard let type, type == "application/scim+json" || type == "application/json" else {
            throw SCIMError(status: 415, detail: "Send the body as application/scim+json or application/json.")
        }
        do {
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            return Data(buffer: buffer)
        } catch is NIOTooManyBytesError {
            throw SCIMError(status: 413, detail: "The request body is larger than \(context.maxUploadSize) bytes.")
        }
    }
}
