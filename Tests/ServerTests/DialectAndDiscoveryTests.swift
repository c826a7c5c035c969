import Directory
import Fakes
import Foundation
import Hummingbird
import HummingbirdTesting
import PasswordSync
import Secrets
@testable import Server
import XCTest

/// SCIM 1.1 vs 2.0 bodies, discovery endpoints, 405s, Basic auth and POST, without sockets.
final class DialectAndDiscoveryTests: XCTestCase, @unchecked Sendable {
    static let token = "tok-\(UUID().uuidString)"
    static let basicPassword = "pw-\(UUID().uuidString)"
    let alice = DirectoryUser(id: "11111111-1111-1111-1111-111111111111", dn: "uid=alice,dc=test", userName: "alice",
                              givenName: "Alice", familyName: "Test", email: "alice@example.test")

    func app(creation: Bool = true) -> (some ApplicationProtocol, FakeDirectoryState, FakeAudit) {
        let dir = FakeDirectoryState(users: [alice])
        let audit = FakeAudit()
        let service = PasswordSyncService(directory: FakeDirectory(state: dir, creationBase: creation ? "ou=new,dc=test" : nil), audit: audit)
        let auth = Authenticator(credentials: [
            .init(name: "okta-bearer", hash: TokenHash(hashing: Secret(Self.token))),
            .init(name: "okta-basic", username: "okta", hash: TokenHash(hashing: Secret(Self.basicPassword))),
        ])
        return (Application(router: PwsyncServer.router(service: service, authenticator: auth, audit: audit, maxBodyBytes: 8192, retryAfterSeconds: 30, requestBudget: .seconds(35))), dir, audit)
    }

    var bearer: HTTPFields { [.authorization: "Bearer \(Self.token)", .contentType: "application/json"] }

    func json(_ r: TestResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
    }

    func testBasicAuthRecordsItsCredentialName() async throws {
        let (app, _, audit) = app()
        let good = "Basic " + Data("okta:\(Self.basicPassword)".utf8).base64EncodedString()
        let badPassword = "Basic " + Data("okta:nope".utf8).base64EncodedString()
        let badUser = "Basic " + Data("other:\(Self.basicPassword)".utf8).base64EncodedString()
        try await app.test(.router) { client in
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: good]) { XCTAssertEqual($0.status, .ok) }
            for h in [badPassword, badUser, "Basic !!!", "Basic " + Data("nocolon".utf8).base64EncodedString(), "Basic " + Data(Self.token.utf8).base64EncodedString()] {
                try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: h]) {
                    XCTAssertEqual($0.status.code, 401)
                    XCTAssertTrue($0.headers[.wwwAuthenticate]?.contains("Basic") ?? false)
                }
            }
            // The bearer token is not a Basic password and vice versa.
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: "Bearer \(Self.basicPassword)"]) { XCTAssertEqual($0.status.code, 401) }
            try await client.execute(uri: "/scim/v2/Users/\(self.alice.id)", method: .patch,
                                     headers: [.authorization: good, .contentType: "application/scim+json"],
                                     body: ByteBuffer(string: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"Xx1-abcdefgh"}}]}"#)) {
                XCTAssertEqual($0.status, .ok)
            }
        }
        let principals = await audit.events.filter { $0.event == .applied }.map(\.principal)
        XCTAssertEqual(principals, ["okta-basic"])
    }

    func testSCIM11UsesItsOwnSchemasMediaTypeAndErrorFormat() async throws {
        let (app, dir, _) = app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/scim/v1/Users?startIndex=1&count=2", method: .get, headers: self.bearer) {
                XCTAssertEqual($0.status, .ok)
                XCTAssertEqual($0.headers[.contentType], "application/json; charset=utf-8")
                let body = try self.json($0)
                XCTAssertEqual(body["schemas"] as? [String], ["urn:scim:schemas:core:1.0"])
                XCTAssertEqual(body["totalResults"] as? Int, 1)
                let user = try XCTUnwrap((body["Resources"] as? [[String: Any]])?.first)
                XCTAssertEqual(user["schemas"] as? [String], ["urn:scim:schemas:core:1.0"])
            }
            try await client.execute(uri: "/scim/v1/Users/nope", method: .get, headers: self.bearer) {
                XCTAssertEqual($0.status.code, 404)
                let errors = try XCTUnwrap(try self.json($0)["Errors"] as? [[String: Any]])
                XCTAssertEqual(errors.first?["code"] as? Int, 404)
                XCTAssertFalse((errors.first?["description"] as? String ?? "").isEmpty)
            }
            try await client.execute(uri: "/scim/v1/Users?filter=alice", method: .get, headers: self.bearer) { XCTAssertEqual($0.status.code, 400) }
            // 1.1 PATCH: the partial resource itself, then a 1.1 deactivation.
            try await client.execute(uri: "/scim/v1/Users/\(self.alice.id)", method: .patch, headers: self.bearer,
                                     body: ByteBuffer(string: #"{"schemas":["urn:scim:schemas:core:1.0"],"id":"\#(self.alice.id)","password":"Abc-12345-xyz"}"#)) {
                XCTAssertEqual($0.status, .ok)
            }
            try await client.execute(uri: "/scim/v1/Users/\(self.alice.id)", method: .patch, headers: self.bearer,
                                     body: ByteBuffer(string: #"{"schemas":["urn:scim:schemas:core:1.0"],"active":false}"#)) {
                XCTAssertEqual($0.status, .ok)
                XCTAssertEqual(try self.json($0)["active"] as? Bool, false)
            }
        }
        let writes = await dir.writes
        XCTAssertEqual(writes.map(\.password), [Array("Abc-12345-xyz".utf8)])
        let changes = await dir.activeChanges
        XCTAssertEqual(changes.map(\.active), [false])
    }

    func testDiscoveryEndpointsAnswerGETAnd405Otherwise() async throws {
        try await app().0.test(.router) { client in
            try await client.execute(uri: "/scim/v1/ServiceProviderConfigs", method: .get, headers: self.bearer) {
                XCTAssertEqual($0.status, .ok)
                let body = try self.json($0)
                XCTAssertEqual((body["changePassword"] as? [String: Any])?["supported"] as? Bool, true)
                let okta = body["urn:okta:schemas:scim:providerconfig:1.0"] as? [String: Any]
                XCTAssertTrue((okta?["userManagementCapabilities"] as? [String])?.contains("PUSH_PASSWORD_UPDATES") ?? false)
            }
            try await client.execute(uri: "/scim/v2/ServiceProviderConfig", method: .get, headers: self.bearer) {
                let body = try self.json($0)
                XCTAssertEqual(body["schemas"] as? [String], ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
                let schemes = body["authenticationSchemes"] as? [[String: Any]]
                XCTAssertEqual(schemes?.compactMap { $0["type"] as? String }, ["oauthbearertoken", "httpbasic"])
            }
            try await client.execute(uri: "/scim/v2/ResourceTypes", method: .get, headers: self.bearer) {
                XCTAssertEqual($0.status, .ok)
                let types = try self.json($0)["Resources"] as? [[String: Any]]
                XCTAssertEqual(types?.compactMap { $0["endpoint"] as? String }, ["/Users", "/Groups"])
            }
            try await client.execute(uri: "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", method: .get, headers: self.bearer) {
                XCTAssertEqual($0.status, .ok)
                let attrs = try self.json($0)["attributes"] as? [[String: Any]]
                let password = attrs?.first { $0["name"] as? String == "password" }
                XCTAssertEqual(password?["returned"] as? String, "never")
            }
            try await client.execute(uri: "/scim/v2/Groups?startIndex=1&count=100", method: .get, headers: self.bearer) {
                XCTAssertEqual($0.status, .ok)
                XCTAssertEqual(try self.json($0)["totalResults"] as? Int, 0)
                XCTAssertEqual((try self.json($0)["Resources"] as? [Any])?.count, 0)
            }
            for version in ["v1", "v2"] {
                for path in ["ServiceProviderConfig", "ServiceProviderConfigs", "ResourceTypes", "Schemas"] {
                    try await client.execute(uri: "/scim/\(version)/\(path)", method: .post, headers: self.bearer, body: ByteBuffer(string: "{}")) {
                        XCTAssertEqual($0.status.code, 405, "\(version)/\(path)")
                        XCTAssertEqual($0.headers[.allow], "GET")
                    }
                }
            }
            try await client.execute(uri: "/scim/v2/Users/\(self.alice.id)", method: .delete, headers: self.bearer) {
                XCTAssertEqual($0.status.code, 405)
                XCTAssertEqual(try self.json($0)["status"] as? String, "405")
            }
        }
    }

    func testPostCreatesWith201AndAgainWith409() async throws {
        let (app, dir, _) = app()
        let body = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Runscope101Doe@atko.com","name":{"givenName":"Jane","familyName":"Doe"},"emails":[{"value":"jd@atko.com","type":"work","primary":true}],"active":true}"#
        try await app.test(.router) { client in
            var id = ""
            try await client.execute(uri: "/scim/v2/Users", method: .post, headers: self.bearer, body: ByteBuffer(string: body)) {
                XCTAssertEqual($0.status, .created)
                let json = try self.json($0)
                id = json["id"] as? String ?? ""
                XCTAssertFalse(id.isEmpty)
                XCTAssertEqual(json["active"] as? Bool, true)
                XCTAssertEqual((json["name"] as? [String: Any])?["familyName"] as? String, "Doe")
                // Absolute, from the Host the client used (RFC 7644 §3.1: Location and meta.location agree).
                XCTAssertEqual($0.headers[.location], "https://localhost/scim/v2/Users/\(id)")
                XCTAssertEqual((json["meta"] as? [String: Any])?["location"] as? String, $0.headers[.location])
            }
            try await client.execute(uri: "/scim/v2/Users/\(id)", method: .get, headers: self.bearer) { XCTAssertEqual($0.status, .ok) }
            try await client.execute(uri: "/scim/v2/Users", method: .post, headers: self.bearer, body: ByteBuffer(string: body)) {
                XCTAssertEqual($0.status.code, 409)
                XCTAssertEqual(try self.json($0)["scimType"] as? String, "uniqueness")
            }
            // Wrong schema, missing userName, an id that differs from the URL.
            try await client.execute(uri: "/scim/v2/Users", method: .post, headers: self.bearer,
                                     body: ByteBuffer(string: #"{"schemas":["urn:scim:schemas:core:1.0"],"userName":"x"}"#)) { XCTAssertEqual($0.status.code, 400) }
            try await client.execute(uri: "/scim/v2/Users", method: .post, headers: self.bearer,
                                     body: ByteBuffer(string: #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}"#)) { XCTAssertEqual($0.status.code, 400) }
            try await client.execute(uri: "/scim/v2/Users/\(self.alice.id)", method: .put, headers: self.bearer,
                                     body: ByteBuffer(string: #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"\#(id)","userName":"alice","password":"Zz9-abcdefgh"}"#)) {
                XCTAssertEqual($0.status.code, 400)
                XCTAssertEqual(try self.json($0)["scimType"] as? String, "mutability")
            }
        }
        let created = await dir.created
        XCTAssertEqual(created.count, 1)
        let writes = await dir.writes
        XCTAssertTrue(writes.isEmpty)
    }
}
