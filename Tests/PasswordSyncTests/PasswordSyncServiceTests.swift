import Audit
import Directory
import Fakes
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
        let user = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: "PATCH /Users/{id}")
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
            _ = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: "PATCH")
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
            _ = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: "PATCH")
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
            _ = try await service.updateUser(id: alice.id, change: change("x"), request: info, operation: "PATCH")
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
            _ = try await service.updateUser(id: "33333333-3333-3333-3333-333333333333", change: change("N3w!pass"), request: info, operation: "PATCH")
            XCTFail("expected 404")
        } catch {
            XCTAssertEqual(error.status, 404)
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.rejected])
        XCTAssertEqual(events.first?.reason, "user_not_found")
    }

    func testPasswordThenDeactivateThenReactivateAreEachAudited() async throws {
        let off = try await service.updateUser(id: alice.id, change: change("N3w!pass", active: false), request: info, operation: "PATCH")
        XCTAssertFalse(off.active)
        let on = try await service.updateUser(id: alice.id, change: change(nil, active: true), request: info, operation: "PATCH")
        XCTAssertTrue(on.active)
        // Re-asserting the current state writes nothing.
        _ = try await service.updateUser(id: alice.id, change: change(nil, active: true), request: info, operation: "PATCH")
        let changes = await state.activeChanges
        XCTAssertEqual(changes.map(\.active), [false, true])
        let writes = await state.writes
        XCTAssertEqual(writes.count, 1)
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied, .pushReceived, .applied, .pushReceived, .applied])
        XCTAssertEqual(events.map { $0.action ?? "" }, ["set_password", "set_password", "deactivate", "deactivate", "reactivate", "reactivate"])
    }

    func testActiveIsRecordedButNotWrittenWhenDisablingIsOff() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit, policy: .init(disableAccounts: false))
        let user = try await service.updateUser(id: alice.id, change: change(nil, active: false), request: info, operation: "PUT")
        XCTAssertFalse(user.active)
        let changes = await state.activeChanges
        XCTAssertTrue(changes.isEmpty)
        let events = await audit.events
        XCTAssertEqual(events.map(\.outcome), ["skipped"])
        XCTAssertEqual(events.first?.reason, "account_disabling_off")
    }

    func testPutWithoutPasswordNeverTouchesIt() async throws {
        let doc = try UserDocument.parse(Data(#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice","active":true}"#.utf8), version: .v2)
        _ = try await service.updateUser(id: alice.id, change: doc.change, request: info, operation: "PUT")
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
        let events = await audit.events
        XCTAssertTrue(events.isEmpty)
    }

    func doc(_ userName: String, password: String? = "q8v2m0tz") throws -> UserDocument {
        let pw = password.map { #","password":"\#($0)""# } ?? ""
        return try UserDocument.parse(Data(#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(userName)","name":{"givenName":"Jane","familyName":"Doe"},"emails":[{"value":"jd@example.test","primary":true}],"active":true\#(pw)}"#.utf8), version: .v2, emptyPasswordIsAbsent: true)
    }

    func testCreateOfAnExistingUserIs409AndWritesNothing() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state, creationBase: "ou=new,dc=test"), audit: audit)
        let existing = try doc("ALICE")
        do {
            _ = try await service.createUser(existing, request: info, operation: "POST")
            XCTFail("expected 409")
        } catch {
            XCTAssertEqual(error.status, 409)
            XCTAssertEqual(error.scimType, "uniqueness")
        }
        let created = await state.created
        XCTAssertTrue(created.isEmpty)
        let events = await audit.events
        XCTAssertEqual(events.map(\.reason), ["already_exists"])
    }

    func testCreateWhenCreationIsOffNamesWhereItSearched() async throws {
        let missing = try doc("jdoe")
        do {
            _ = try await service.createUser(missing, request: info, operation: "POST")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.status, 404)
            XCTAssertTrue(error.detail.contains("ou=people,dc=test"), error.detail)
            XCTAssertTrue(error.detail.contains("create_users"), error.detail)
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.reason), ["creation_disabled"])
    }

    func testCreateIgnoresThePlaceholderByDefaultAndSetsARandomPassword() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state, creationBase: "ou=new,dc=test"), audit: audit)
        let user = try await service.createUser(try doc("jdoe"), request: info, operation: "POST")
        XCTAssertEqual(user.userName, "jdoe")
        XCTAssertEqual(user.givenName, "Jane")
        XCTAssertTrue(user.active)
        let created = await state.created
        XCTAssertEqual(created.count, 1)
        XCTAssertNotEqual(created.first?.password, Array("q8v2m0tz".utf8))
        XCTAssertEqual(created.first?.password.count, PasswordGenerator().length)
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied])
        XCTAssertEqual(events.last?.placeholder, "ignored")
        XCTAssertEqual(events.last?.mode, "random")
        XCTAssertEqual(events.last?.form, "post_placeholder")
    }

    func testCreateAppliesThePlaceholderWhenConfiguredAndFallsBackWhenPolicyRefusesIt() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state, creationBase: "ou=new,dc=test"), audit: audit,
                                      policy: .init(placeholder: .apply))
        _ = try await service.createUser(try doc("jdoe"), request: info, operation: "POST")
        await state.fail(with: DirectoryFailure(.policyViolation, "too weak", resultCode: 19))
        _ = try await service.createUser(try doc("jroe"), request: info, operation: "POST")
        let created = await state.created
        XCTAssertEqual(created.map(\.user.userName), ["jdoe", "jroe"])
        XCTAssertEqual(created[0].password, Array("q8v2m0tz".utf8))
        XCTAssertNotEqual(created[1].password, Array("q8v2m0tz".utf8))
        let events = await audit.events
        XCTAssertEqual(events.map { $0.placeholder ?? "-" }, ["applied", "applied", "applied", "applied", "refused_by_policy", "refused_by_policy"])
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied, .pushReceived, .rejected, .pushReceived, .applied])
    }

    func testNoAuditEventEverCarriesThePassword() async throws {
        let canary = "Canary-\(UUID().uuidString)"
        _ = try await service.updateUser(id: alice.id, change: change(canary), request: info, operation: "PATCH")
        await state.fail(with: DirectoryFailure(.policyViolation, "nope", resultCode: 19))
        _ = try? await service.updateUser(id: bob.id, change: change(canary), request: info, operation: "PATCH")
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
                    _ = try await svc.updateUser(id: alice.id, change: UserChange(password: Secret("pw-\(i)"), form: .patchValue), request: info, operation: "PATCH")
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
