import Audit
import Directory
@testable import PasswordSync
import SCIM
import Secrets
import XCTest

final class PasswordSyncServiceTests: XCTestCase, @unchecked Sendable {
    let alice = DirectoryUser(id: "11111111-1111-1111-1111-111111111111", dn: "uid=alice,ou=people,dc=test", userName: "alice",
                              givenName: "Alice", familyName: "Test", email: "alice@example.test")
    let bob = DirectoryUser(id: "22222222-2222-2222-2222-222222222222", dn: "uid=bob,ou=people,dc=test", userName: "bob", email: "bob@example.test")
    var state: FakeDirectoryState!
    var audit: FakeAudit!
    var service: PasswordSyncService!
    let info = RequestInfo(requestID: "req-1", client: "192.0.2.1", principal: "okta")

    override func setUp() {
        state = FakeDirectoryState(users: [alice, bob])
        audit = FakeAudit()
        service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit, retryAfter: 17)
    }

    func change(_ pw: String?, active: Bool? = nil) -> UserChange {
        UserChange(password: pw.map(Secret.init), active: active, form: .patchValue)
    }

    func testPushWritesOnceAndAuditsBeforeAndAfter() async throws {
        let user = try await service.patchUser(id: alice.id, change: change("N3w!pass"), request: info, operation: "PATCH /Users/{id}")
        XCTAssertEqual(user.userName, "alice")
        let writes = await state.writes
        XCTAssertEqual(writes.map(\.id), [alice.id])
        XCTAssertEqual(writes.first?.password, Array("N3w!pass".utf8))
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied])
        XCTAssertEqual(events.last?.outcome, "success")
        XCTAssertEqual(events.last?.principal, "okta")
        XCTAssertEqual(events.last?.client, "192.0.2.1")
        XCTAssertEqual(events.last?.dn, alice.dn)
        XCTAssertEqual(events.last?.form, "patch_value")
        XCTAssertEqual(events.last?.historyEnforced, true)
    }

    func testAuditFailureRefusesThePushWith429AndNoWrite() async throws {
        await audit.breakIt()
        do {
            _ = try await service.patchUser(id: alice.id, change: change("N3w!pass"), request: info, operation: "PATCH")
            XCTFail("expected 429")
        } catch {
            XCTAssertEqual(error.status, 429)
            XCTAssertEqual(error.retryAfter, 17)
        }
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
    }

    func testTransientDirectoryFailureIs429AndDeferred() async throws {
        await state.fail(with: DirectoryFailure(.unavailable, "down", resultCode: -1, isTransient: true))
        do {
            _ = try await service.patchUser(id: alice.id, change: change("N3w!pass"), request: info, operation: "PATCH")
            XCTFail("expected 429")
        } catch {
            XCTAssertEqual(error.status, 429)
            XCTAssertEqual(error.retryAfter, 17)
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .deferred])
        XCTAssertEqual(events.last?.reason, "directory_unavailable")
    }

    func testPolicyRejectionIs400WithTheDirectoryReason() async throws {
        await state.fail(with: DirectoryFailure(.policyViolation, "Directory refused the new password: too short.", resultCode: 19))
        do {
            _ = try await service.patchUser(id: alice.id, change: change("x"), request: info, operation: "PATCH")
            XCTFail("expected 400")
        } catch {
            XCTAssertEqual(error.status, 400)
            XCTAssertEqual(error.scimType, "invalidValue")
            XCTAssertTrue(error.detail.contains("too short"))
        }
        let events = await audit.events
        XCTAssertEqual(events.last?.event, .rejected)
        XCTAssertEqual(events.last?.resultCode, 19)
    }

    func testUnknownUserIs404AndAudited() async throws {
        do {
            _ = try await service.patchUser(id: "33333333-3333-3333-3333-333333333333", change: change("N3w!pass"), request: info, operation: "PATCH")
            XCTFail("expected 404")
        } catch {
            XCTAssertEqual(error.status, 404)
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.rejected])
        XCTAssertEqual(events.first?.reason, "user_not_found")
    }

    func testActiveChangeIsRefusedBeforeAnyWrite() async throws {
        do {
            _ = try await service.patchUser(id: alice.id, change: change("N3w!pass", active: false), request: info, operation: "PATCH")
            XCTFail("expected 501")
        } catch {
            XCTAssertEqual(error.status, 501)
        }
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
        // Re-asserting the current state is fine.
        _ = try await service.patchUser(id: alice.id, change: change(nil, active: true), request: info, operation: "PATCH")
    }

    func testNoAuditEventEverCarriesThePassword() async throws {
        let canary = "Canary-\(UUID().uuidString)"
        _ = try await service.patchUser(id: alice.id, change: change(canary), request: info, operation: "PATCH")
        await state.fail(with: DirectoryFailure(.policyViolation, "nope", resultCode: 19))
        _ = try? await service.patchUser(id: bob.id, change: change(canary), request: info, operation: "PATCH")
        let encoded = try JSONEncoder().encode(await audit.events)
        XCTAssertFalse(String(decoding: encoded, as: UTF8.self).contains(canary))
    }

    func testListFiltersAndPages() async throws {
        let hit = try await service.listUsers(filter: #"userName eq "ALICE""#, page: Pagination(startIndex: nil, count: nil))
        XCTAssertEqual(hit.totalResults, 1)
        XCTAssertEqual(hit.resources.first?.id, alice.id)
        let miss = try await service.listUsers(filter: #"userName eq "abcdefgh@atko.com""#, page: Pagination(startIndex: nil, count: nil))
        XCTAssertEqual(miss.totalResults, 0)
        let page = try await service.listUsers(filter: nil, page: Pagination(startIndex: "2", count: "1"))
        XCTAssertEqual(page.totalResults, 2)
        XCTAssertEqual(page.resources.map(\.id), [bob.id])
        let either = try await service.listUsers(filter: #"userName eq "alice" or emails.value eq "bob@example.test""#, page: Pagination(startIndex: nil, count: nil))
        XCTAssertEqual(either.totalResults, 2)
    }

    func testUnsupportedFilterAttributeIs400InvalidFilter() async {
        do {
            _ = try await service.listUsers(filter: #"password eq "x""#, page: Pagination(startIndex: nil, count: nil))
            XCTFail("expected invalidFilter")
        } catch {
            XCTAssertEqual(error.scimType, "invalidFilter")
        }
    }

    func testPushesForOneUserAreSerialised() async throws {
        let svc = service!
        let alice = self.alice
        let info = self.info
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    _ = try await svc.patchUser(id: alice.id, change: UserChange(password: Secret("pw-\(i)"), form: .patchValue), request: info, operation: "PATCH")
                }
            }
            try await group.waitForAll()
        }
        let events = await audit.events
        XCTAssertEqual(events.count, 40)
        // Serialised: every push_received is immediately followed by its outcome.
        for pair in stride(from: 0, to: events.count, by: 2) {
            XCTAssertEqual(events[pair].event, .pushReceived)
            XCTAssertEqual(events[pair + 1].event, .applied)
        }
    }
}
