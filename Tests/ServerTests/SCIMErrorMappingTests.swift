import Audit
import Directory
import Fakes
import Foundation
import Hummingbird
import HummingbirdTesting
import PasswordSync
import SCIM
import Secrets
@testable import Server
import XCTest

/// Use-case errors become SCIM answers in one place: status, scimType, Retry-After.
final class SCIMErrorMappingTests: XCTestCase {
    let mapping = SCIMErrorMapping(retryAfter: 17)

    func testEveryTransientFailureIs429WithTheConfiguredDelay() {
        for e in [SyncError(.auditUnavailable, "audit", isTransient: true),
                  SyncError(.directory(.unavailable), "down", isTransient: true),
                  SyncError(.directory(.serviceBindFailed), "bind", isTransient: true)] {
            let s = mapping.scimError(e)
            XCTAssertEqual(s.status, 429, "\(e)")
            XCTAssertEqual(s.retryAfter, 17)
            XCTAssertEqual(s.detail, e.detail)
        }
    }

    func testPermanentFailures() {
        func check(_ reason: SyncError.Reason, _ status: Int, _ scimType: String?, line: UInt = #line) {
            let s = mapping.scimError(SyncError(reason, "why"))
            XCTAssertEqual(s.status, status, line: line)
            XCTAssertEqual(s.scimType, scimType, line: line)
            XCTAssertNil(s.retryAfter, line: line)
            XCTAssertEqual(s.detail, "why", line: line)
        }
        check(.directory(.policyViolation), 400, "invalidValue")
        check(.directory(.invalidPassword), 400, "invalidValue")
        check(.directory(.invalidAttribute), 400, "invalidValue")
        check(.directory(.userNotFound), 404, nil)
        check(.creationDisabled, 404, nil)
        check(.directory(.insufficientRights), 403, nil)
        check(.directory(.alreadyExists), 409, "uniqueness")
        check(.directory(.ambiguousUser), 409, "uniqueness")
        check(.directory(.directoryError), 500, nil)
        check(.directory(.insecureConnection), 500, nil)
    }

    /// Through the router: an unwritable audit log answers 429 with the configured Retry-After.
    func testRouterAnswersTheMappedError() async throws {
        let token = "t-\(UUID().uuidString)"
        let alice = DirectoryUser(id: "11111111-1111-1111-1111-111111111111", dn: "uid=alice,dc=test", userName: "alice")
        let audit = FakeAudit()
        await audit.breakIt()
        let service = PasswordSyncService(directory: FakeDirectory(state: FakeDirectoryState(users: [alice])), audit: audit)
        let auth = Authenticator(credentials: [.init(name: "okta", hash: TokenHash(hashing: Secret(token)))])
        let router = PwsyncServer.router(service: service, authenticator: auth, audit: audit, maxBodyBytes: 4096, retryAfterSeconds: 23,
                                         requestBudget: .seconds(35))
        let body = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"N3w!pass"}}]}"#
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/scim/v2/Users/\(alice.id)", method: .patch,
                                     headers: [.authorization: "Bearer \(token)", .contentType: "application/scim+json"],
                                     body: ByteBuffer(string: body)) { r in
                XCTAssertEqual(r.status.code, 429)
                XCTAssertEqual(r.headers[.retryAfter], "23")
                XCTAssertNotNil(r.headers[.init("X-Request-Id")!])
            }
            try await client.execute(uri: "/scim/v2/Users?filter=title%20eq%20%22x%22", method: .get,
                                     headers: [.authorization: "Bearer \(token)"]) { r in
                XCTAssertEqual(r.status.code, 400)
                let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                XCTAssertEqual(o["scimType"] as? String, "invalidFilter")
            }
        }
    }
}

final class AuthThrottleTests: XCTestCase {
    func testAnAddressIsThrottledAfterItsLimitForTheInterval() {
        let t = AuthThrottle(.init(failuresPerClient: 3, interval: .seconds(60), maxClients: 10))
        let t0 = ContinuousClock.now
        for _ in 0..<3 { XCTAssertFalse(t.isThrottled("192.0.2.1", now: t0)); t.fail("192.0.2.1", now: t0) }
        XCTAssertTrue(t.isThrottled("192.0.2.1", now: t0))
        XCTAssertFalse(t.isThrottled("192.0.2.2", now: t0), "other addresses are not affected")
        XCTAssertFalse(t.isThrottled("192.0.2.1", now: t0 + .seconds(61)), "the interval passes")
        for i in 0..<50 { t.fail("198.51.100.\(i)", now: t0) }
        XCTAssertLessThanOrEqual(t.clients, 10, "bounded")
    }
}
