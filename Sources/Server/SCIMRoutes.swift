import Foundation
import Hummingbird
import NIOCore
import PasswordSync
import SCIM

/// The SCIM 2.0 endpoints Okta calls for password sync.
struct SCIMRoutes {
    let service: PasswordSyncService
    let maxBodyBytes: Int
    let version: SCIMVersion = .v2
    let basePath = "/scim/v2"

    func register(_ group: RouterGroup<SCIMRequestContext>) {
        group.get("Users", use: list)
        group.get("Users/:id", use: get)
        group.patch("Users/:id", use: patch)
    }

    @Sendable func list(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let params = try QueryString.parse(Substring(request.uri.query ?? ""))
        let page = try Pagination(startIndex: params["startIndex"], count: params["count"])
        let result = try await service.listUsers(filter: params["filter"], page: page)
        return Responses.json(result.body(version, basePath: basePath), version)
    }

    @Sendable func get(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let user = try await service.getUser(id: id)
        return Responses.json(user.body(version, basePath: basePath), version)
    }

    @Sendable func patch(_ request: Request, context: SCIMRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await readBody(request)
        let change = try PatchRequest.parse(body)
        let info = RequestInfo(requestID: context.requestID, client: context.client, principal: context.principal)
        let user = try await service.patchUser(id: id, change: change, request: info, operation: "PATCH /Users/{id}")
        return Responses.json(user.body(version, basePath: basePath), version)
    }

    /// Accepts `application/scim+json` and `application/json` (Okta uses both), any charset.
    func readBody(_ request: Request) async throws -> Data {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let type, type == "application/scim+json" || type == "application/json" else {
            throw SCIMError(status: 415, detail: "Send the body as application/scim+json or application/json.")
        }
        do {
            let buffer = try await request.body.collect(upTo: maxBodyBytes)
            return Data(buffer: buffer)
        } catch is NIOTooManyBytesError {
            throw SCIMError(status: 413, detail: "The request body is larger than \(maxBodyBytes) bytes.")
        }
    }
}
