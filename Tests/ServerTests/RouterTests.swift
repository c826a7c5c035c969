import Audit
import Directory
import Fakes
import Foundation
import Hummingbird
import HummingbirdTesting
import PasswordSync
import Secrets
@testable import Server
import XCTest

/// The HTTP layer without sockets: auth, content types, limits and error bodies.
final class RouterTests: XCTestCase, @unchecked Sendable {
    static let token = "test-token-\(UUID().uuidString)"
    let alice = DirectoryUser(id: "11111111-1111-1111-1111-111111111111", dn: "uid=alice,dc=test", userName: "alice")

    var failures: AuditSummarizer!

    func app(maxBody: Int = 4096) -> (some ApplicationProtocol, FakeDirectoryState, FakeAudit) {
        let dir = FakeDirectoryState(users: [alice])
        let audit = FakeAudit()
        let service = PasswordSyncService(directory: FakeDirectory(state: dir), audit: audit)
        let auth = Authenticator(credentials: [.init(name: "okta", hash: TokenHash(hashing: Secret(Self.token)))])
        failures = AuditSummarizer(sink: audit)
        let router = PwsyncServer.router(service: service, authenticator: auth, audit: audit, maxBodyBytes: maxBody, retryAfterSeconds: 30,
                                         authFailures: failures, requestBudget: .seconds(35))
        return (Application(router: router), dir, audit)
    }

    var bearer: HTTPFields { [.authorization: "Bearer \(Self.token)"] }

    func json(_ r: TestResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
    }

    func assertSCIMError(_ r: TestResponse, _ status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(r.status.code, status, file: file, line: line)
        XCTAssertEqual(r.headers[.contentType], "application/scim+json; charset=utf-8", file: file, line: line)
        let body = try json(r)
        XCTAssertEqual(body["schemas"] as? [String], ["urn:ietf:params:scim:api:messages:2.0:Error"], file: file, line: line)
        XCTAssertEqual(body["status"] as? String, String(status), file: file, line: line)
        XCTAssertFalse((body["detail"] as? String ?? "").isEmpty, file: file, line: line)
    }

    func testAuthForms() async throws {
        let (app, _, audit) = app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/scim/v2/Users", method: .get) { try self.assertSCIMError($0, 401) }
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: "Bearer wrong"]) {
                try self.assertSCIMError($0, 401)
                XCTAssertNotNil($0.headers[.wwwAuthenticate])
            }
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: "non-token"]) { try self.assertSCIMError($0, 401) }
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: "Basic b2t0YTpwdw=="]) { try self.assertSCIMError($0, 401) }
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: self.bearer) { XCTAssertEqual($0.status, .ok) }
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: "bearer  \(Self.token)"]) { XCTAssertEqual($0.status, .ok) }
            // Okta's "Header" auth sends the bare token.
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: [.authorization: Self.token]) { XCTAssertEqual($0.status, .ok) }
        }
        // The first failure is recorded at once; the others of the interval as one counted summary.
        var recorded = await audit.events.filter { $0.event == .authFailed }
        XCTAssertEqual(recorded.count, 1)
        XCTAssertEqual(recorded.first?.reason, .missingCredentials)
        await failures.flush(all: true)
        recorded = await audit.events.filter { $0.event == .authFailed }
        XCTAssertEqual(recorded.last?.count, 3)
    }

    func testHealthNeedsNoToken() async throws {
        try await app().0.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { XCTAssertEqual($0.status, .ok) }
        }
    }

    func testFilterBothEncodingsAndEmptyResultIs200() async throws {
        try await app().0.test(.router) { client in
            for q in ["filter=userName%20eq%20%22alice%22", "filter=userName+eq+%22alice%22&startIndex=1&count=100"] {
                try await client.execute(uri: "/scim/v2/Users?\(q)", method: .get, headers: self.bearer) {
                    XCTAssertEqual($0.status, .ok)
                    let body = try self.json($0)
                    XCTAssertEqual(body["totalResults"] as? Int, 1)
                    XCTAssertEqual((body["Resources"] as? [[String: Any]])?.first?["id"] as? String, self.alice.id)
                }
            }
            try await client.execute(uri: "/scim/v2/Users?filter=userName+eq+%22abcdefgh%40atko.com%22", method: .get, headers: self.bearer) {
                XCTAssertEqual($0.status, .ok)
                XCTAssertEqual(try self.json($0)["totalResults"] as? Int, 0)
                XCTAssertEqual((try self.json($0)["Resources"] as? [Any])?.count, 0)
            }
            try await client.execute(uri: "/scim/v2/Users?filter=alice", method: .get, headers: self.bearer) {
                try self.assertSCIMError($0, 400)
                XCTAssertEqual(try self.json($0)["scimType"] as? String, "invalidFilter")
            }
        }
    }

    func testUnknownIdsAndRoutesAre404WithSCIMBody() async throws {
        try await app().0.test(.router) { client in
            for id in ["010101001010101011001010101011", "00919288221112222", "22222222-2222-2222-2222-222222222222"] {
                try await client.execute(uri: "/scim/v2/Users/\(id)", method: .get, headers: self.bearer) { try self.assertSCIMError($0, 404) }
            }
            try await client.execute(uri: "/scim/v2/Nope", method: .get, headers: self.bearer) { try self.assertSCIMError($0, 404) }
        }
    }

    func testPatchAppliesPasswordAndAnswersUser() async throws {
        let (app, dir, _) = app()
        let canary = "Canary-\(UUID().uuidString)"
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"\#(canary)"}}]}"#)
            var headers = self.bearer
            headers[.contentType] = "application/scim+json; charset=utf-8"
            try await client.execute(uri: "/scim/v2/Users/\(self.alice.id)", method: .patch, headers: headers, body: body) {
                XCTAssertEqual($0.status, .ok)
                let text = String(buffer: $0.body)
                XCTAssertFalse(text.contains(canary))
                XCTAssertEqual(try self.json($0)["userName"] as? String, "alice")
            }
        }
        let writes = await dir.writes
        XCTAssertEqual(writes.map(\.password), [Array(canary.utf8)])
    }

    func testContentTypeAndSizeLimits() async throws {
        let (app, dir, _) = app(maxBody: 1024)
        try await app.test(.router) { client in
            let small = ByteBuffer(string: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"x1!Abcdef"}}]}"#)
            var headers = self.bearer
            headers[.contentType] = "text/plain"
            try await client.execute(uri: "/scim/v2/Users/\(self.alice.id)", method: .patch, headers: headers, body: small) { try self.assertSCIMError($0, 415) }
            headers[.contentType] = "application/json"
            let huge = ByteBuffer(string: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"pad":""# + String(repeating: "a", count: 5000) + #"","Operations":[]}"#)
            try await client.execute(uri: "/scim/v2/Users/\(self.alice.id)", method: .patch, headers: headers, body: huge) { try self.assertSCIMError($0, 413) }
            try await client.execute(uri: "/scim/v2/Users/\(self.alice.id)", method: .patch, headers: headers, body: ByteBuffer(string: "{broken")) {
                try self.assertSCIMError($0, 400)
            }
        }
        let writes = await dir.writes
        XCTAssertTrue(writes.isEmpty)
    }
}
