import Audit
import Directory
import Fakes
@testable import PasswordSync
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
        service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit)
    }

    func change(_ pw: String?, active: Bool? = nil) -> AccountChange {
        AccountChange(password: pw.map(Secret.init), active: active, form: .patchValue)
    }

    func testPushWritesOnceAndAuditsBeforeAndAfter() async throws {
        let user = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: .patchUser)
        XCTAssertEqual(user.userName, "alice")
        let writes = await state.writes
        XCTAssertEqual(writes.map(\.id), [alice.id])
        XCTAssertEqual(writes.first?.password, Array("N3w!pass".utf8))
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied])
        XCTAssertEqual(events.last?.outcome, .success)
        XCTAssertEqual(events.last?.principal, "okta")
        XCTAssertEqual(events.last?.client, "192.0.2.1")
        XCTAssertEqual(events.last?.dn, alice.dn)
        XCTAssertEqual(events.last?.form, .patchValue)
        XCTAssertEqual(events.last?.historyEnforced, true)
    }

    func testAuditFailureRefusesThePushAsTransientAndNoWrite() async throws {
        await audit.breakIt()
        do {
            _ = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: .patchUser)
            XCTFail("expected 429")
        } catch {
            XCTAssertTrue(error.isTransient)
            XCTAssertEqual(error.reason, .auditUnavailable)
        }
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
    }

    func testTransientDirectoryFailureIsTransientAndDeferred() async throws {
        await state.fail(with: DirectoryFailure(.unavailable, "down", resultCode: -1, isTransient: true))
        do {
            _ = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: .patchUser)
            XCTFail("expected 429")
        } catch {
            XCTAssertTrue(error.isTransient)
            XCTAssertEqual(error.reason, .directory(.unavailable))
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .deferred])
        XCTAssertEqual(events.last?.reason, .directoryUnavailable)
    }

    func testAnAppliedPasswordIsAnswered200EvenWhenTheReadBackFails() async throws {
        await state.fail(with: nil)
        await state.failFirstReadAfterWrite(with: DirectoryFailure(.unavailable, "gone", resultCode: -1, isTransient: true))
        let r = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: .patchUser)
        XCTAssertEqual(r.id, alice.id, "answered with the account as read before the write")
        let writes = await state.writes
        XCTAssertEqual(writes.count, 1)
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied])
    }

    /// A push whose turn comes after its deadline (queued behind slow pushes for the same user)
    /// is answered 429 at once, with nothing sent, and audited.
    func testAPushPastItsDeadlineIsDeferredWithoutAWrite() async throws {
        do {
            _ = try await RequestDeadline.$startBy.withValue(.now - .seconds(1)) {
                try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: .patchUser)
            }
            XCTFail("expected 429")
        } catch let error as SyncError {
            XCTAssertTrue(error.isTransient)
            XCTAssertEqual(error.reason, .directory(.deadline))
        }
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
        await service.flushSummaries(all: true)
        let events = await audit.events
        XCTAssertEqual(events.first?.event, .deferred)
        XCTAssertEqual(events.first?.reason, .requestDeadline)
        // Within its deadline the same push goes through.
        _ = try await RequestDeadline.$startBy.withValue(.now + .seconds(30)) {
            try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: .patchUser)
        }
        let after = await state.writes
        XCTAssertEqual(after.count, 1)
    }

    func testAWriteWhoseOutcomeIsUnknownIsRetriedAndAuditedAsUnknown() async throws {
        await state.fail(with: DirectoryFailure(.outcomeUnknown, "no answer", resultCode: -5, isTransient: true))
        do {
            _ = try await service.updateUser(id: alice.id, change: change("N3w!pass"), request: info, operation: .patchUser)
            XCTFail("expected 429")
        } catch {
            XCTAssertTrue(error.isTransient, "Okta retries it")
            XCTAssertEqual(error.reason, .directory(.outcomeUnknown))
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .deferred])
        XCTAssertEqual(events.last?.outcome, .unknown, "never recorded as not applied: it may have been")
        XCTAssertEqual(events.last?.reason, .writeOutcomeUnknown)
    }

    func testPolicyRejectionCarriesTheDirectoryReason() async throws {
        await state.fail(with: DirectoryFailure(.policyViolation, "Directory refused the new password: too short.", resultCode: 19))
        do {
            _ = try await service.updateUser(id: alice.id, change: change("x"), request: info, operation: .patchUser)
            XCTFail("expected 400")
        } catch {
            XCTAssertFalse(error.isTransient)
            XCTAssertEqual(error.reason, .directory(.policyViolation))
            XCTAssertTrue(error.detail.contains("too short"))
        }
        let events = await audit.events
        XCTAssertEqual(events.last?.event, .rejected)
        XCTAssertEqual(events.last?.resultCode, 19)
    }

    func testUnknownUserIsNotFoundAndAudited() async throws {
        do {
            _ = try await service.updateUser(id: "33333333-3333-3333-3333-333333333333", change: change("N3w!pass"), request: info, operation: .patchUser)
            XCTFail("expected 404")
        } catch {
            XCTAssertEqual(error.reason, .directory(.userNotFound))
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.rejected])
        XCTAssertEqual(events.first?.reason, .userNotFound)
    }

    func testPasswordThenDeactivateThenReactivateAreEachAudited() async throws {
        let off = try await service.updateUser(id: alice.id, change: change("N3w!pass", active: false), request: info, operation: .patchUser)
        XCTAssertFalse(off.active)
        let on = try await service.updateUser(id: alice.id, change: change(nil, active: true), request: info, operation: .patchUser)
        XCTAssertTrue(on.active)
        // Re-asserting the current state writes nothing.
        _ = try await service.updateUser(id: alice.id, change: change(nil, active: true), request: info, operation: .patchUser)
        let changes = await state.activeChanges
        XCTAssertEqual(changes.map(\.active), [false, true])
        let writes = await state.writes
        XCTAssertEqual(writes.count, 1)
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied, .pushReceived, .applied, .pushReceived, .applied])
        XCTAssertEqual(events.map(\.action), [.setPassword, .setPassword, .deactivate, .deactivate, .reactivate, .reactivate])
    }

    func testActiveIsRecordedButNotWrittenWhenDisablingIsOff() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit, policy: .init(disableAccounts: false))
        let user = try await service.updateUser(id: alice.id, change: change(nil, active: false), request: info, operation: .replaceUser)
        XCTAssertFalse(user.active)
        let changes = await state.activeChanges
        XCTAssertTrue(changes.isEmpty)
        let events = await audit.events
        XCTAssertEqual(events.map(\.outcome), [.skipped])
        XCTAssertEqual(events.first?.reason, .accountDisablingOff)
    }

    func testPutWithoutPasswordNeverTouchesIt() async throws {
        _ = try await service.updateUser(id: alice.id, change: AccountChange(active: true, form: .put), request: info, operation: .replaceUser)
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
        let events = await audit.events
        XCTAssertTrue(events.isEmpty)
    }

    func doc(_ userName: String, password: String? = "q8v2m0tz") throws -> NewAccount {
        NewAccount(NewUser(userName: userName, givenName: "Jane", familyName: "Doe", email: "jd@example.test", active: true),
                   placeholder: password.map(Secret.init))
    }

    func testCreateOfAnExistingUserIsAConflictAndWritesNothing() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state, creationBase: "ou=new,dc=test"), audit: audit)
        let existing = try doc("ALICE")
        do {
            _ = try await service.createUser(existing, request: info)
            XCTFail("expected 409")
        } catch {
            XCTAssertEqual(error.reason, .directory(.alreadyExists))
        }
        let created = await state.created
        XCTAssertTrue(created.isEmpty)
        let events = await audit.events
        XCTAssertEqual(events.map(\.reason), [.alreadyExists])
    }

    func testCreateWhenCreationIsOffNamesWhereItSearched() async throws {
        let missing = try doc("jdoe")
        do {
            _ = try await service.createUser(missing, request: info)
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.reason, .creationDisabled)
            XCTAssertTrue(error.detail.contains("ou=people,dc=test"), error.detail)
            XCTAssertTrue(error.detail.contains("create_users"), error.detail)
        }
        let events = await audit.events
        XCTAssertEqual(events.map(\.reason), [.creationDisabled])
    }

    func testCreateIgnoresThePlaceholderByDefaultAndSetsARandomPassword() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state, creationBase: "ou=new,dc=test"), audit: audit)
        let user = try await service.createUser(try doc("jdoe"), request: info)
        XCTAssertEqual(user.userName, "jdoe")
        XCTAssertEqual(user.givenName, "Jane")
        XCTAssertTrue(user.active)
        let created = await state.created
        XCTAssertEqual(created.count, 1)
        XCTAssertNotEqual(created.first?.password, Array("q8v2m0tz".utf8))
        XCTAssertEqual(created.first?.password.count, PasswordGenerator().length)
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied])
        XCTAssertEqual(events.last?.placeholder, .ignored)
        XCTAssertEqual(events.last?.mode, .random)
        XCTAssertEqual(events.last?.form, .postPlaceholder)
    }

    func testCreateAppliesThePlaceholderWhenConfiguredAndFallsBackWhenPolicyRefusesIt() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state, creationBase: "ou=new,dc=test"), audit: audit,
                                      policy: .init(placeholder: .apply))
        _ = try await service.createUser(try doc("jdoe"), request: info)
        await state.fail(with: DirectoryFailure(.policyViolation, "too weak", resultCode: 19))
        _ = try await service.createUser(try doc("jroe"), request: info)
        let created = await state.created
        XCTAssertEqual(created.map(\.user.userName), ["jdoe", "jroe"])
        XCTAssertEqual(created[0].password, Array("q8v2m0tz".utf8))
        XCTAssertNotEqual(created[1].password, Array("q8v2m0tz".utf8))
        let events = await audit.events
        XCTAssertEqual(events.map(\.placeholder), [.applied, .applied, .applied, .applied, .refusedByPolicy, .refusedByPolicy])
        XCTAssertEqual(events.map(\.event), [.pushReceived, .applied, .pushReceived, .rejected, .pushReceived, .applied])
    }

    func testNoAuditEventEverCarriesThePassword() async throws {
        let canary = "Canary-\(UUID().uuidString)"
        _ = try await service.updateUser(id: alice.id, change: change(canary), request: info, operation: .patchUser)
        await state.fail(with: DirectoryFailure(.policyViolation, "nope", resultCode: 19))
        _ = try? await service.updateUser(id: bob.id, change: change(canary), request: info, operation: .patchUser)
        let encoded = try JSONEncoder().encode(await audit.events)
        XCTAssertFalse(String(decoding: encoded, as: UTF8.self).contains(canary))
    }

    func testListFilters() async throws {
        let hit = try await service.listUsers(filter: .equals(.userName, "ALICE"))
        XCTAssertEqual(hit.map(\.id), [alice.id])
        let miss = try await service.listUsers(filter: .equals(.userName, "abcdefgh@atko.com"))
        XCTAssertEqual(miss.count, 0)
        let all = try await service.listUsers(filter: nil)
        XCTAssertEqual(all.map(\.id), [alice.id, bob.id])
        let either = try await service.listUsers(filter: .or([.equals(.userName, "alice"), .equals(.email, "bob@example.test")]))
        XCTAssertEqual(either.count, 2)
    }

    func testPushesForOneUserAreSerialised() async throws {
        let svc = service!
        let alice = self.alice
        let info = self.info
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    _ = try await svc.updateUser(id: alice.id, change: AccountChange(password: Secret("pw-\(i)"), form: .patchValue), request: info, operation: .patchUser)
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

    func testControlCharactersAreRefusedWithoutAWrite() async throws {
        for bad in ["abc\u{0}def", "line\nbreak", "tab\there", "c1\u{85}x"] {
            do {
                _ = try await service.updateUser(id: alice.id, change: change(bad), request: info, operation: .patchUser)
                XCTFail("expected a refusal for \(bad.debugDescription)")
            } catch {
                XCTAssertEqual(error.reason, .directory(.invalidPassword))
                XCTAssertTrue(error.detail.contains("control character"), error.detail)
            }
        }
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
        let events = await audit.events
        XCTAssertEqual(events.map(\.event), [.rejected, .rejected, .rejected, .rejected])
        XCTAssertEqual(Set(events.map(\.reason)), [.invalidPassword])
    }

    func testRepeatedPutIsSkippedOnlyWhileNoOneElseChangedThePassword() async throws {
        let put = AccountChange(password: Secret("Same!pass1"), form: .put)
        _ = try await service.updateUser(id: alice.id, change: put, request: info, operation: .replaceUser)
        _ = try await service.updateUser(id: alice.id, change: put, request: info, operation: .replaceUser)
        var writes = await state.writes
        XCTAssertEqual(writes.count, 1, "the repeat is not rewritten")
        // A helpdesk reset in the directory: the stamp moves on, so Okta's next PUT is written again.
        await state.stamp(alice.id)
        _ = try await service.updateUser(id: alice.id, change: put, request: info, operation: .replaceUser)
        writes = await state.writes
        XCTAssertEqual(writes.count, 2)
        let events = await audit.events
        XCTAssertEqual(events.map(\.outcome), [nil, .success, .unchanged, nil, .success])
    }

    func testProfileValuesAreIgnoredAndAuditedWhenNotMapped() async throws {
        var c = AccountChange(form: .put)
        c.profile = ["displayname": "Alice A", "name.givenname": "Alice", "title": "CFO"]  // givenName unchanged
        let user = try await service.updateUser(id: alice.id, change: c, request: info, operation: .replaceUser)
        XCTAssertNil(user.displayName, "nothing written")
        let writes = await state.profileWrites
        XCTAssertTrue(writes.isEmpty)
        let events = await audit.events
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.reason, .profileIgnored)
        XCTAssertEqual(events.first?.outcome, .skipped)
        XCTAssertEqual(events.first?.attributes, ["displayname", "title"], "only real changes, by name")
    }

    func testMappedProfileValuesAreWrittenInAModifyOfTheirOwn() async throws {
        service = PasswordSyncService(directory: FakeDirectory(state: state, profileAttributes: ["title"]), audit: audit)
        var c = AccountChange(password: Secret("N3w!pass"), form: .patchValue)
        c.profile = ["title": "CFO", "nickname": "Al"]
        let user = try await service.updateUser(id: alice.id, change: c, request: info, operation: .patchUser)
        XCTAssertEqual(user.profile["title"], "CFO")
        let writes = await state.profileWrites
        XCTAssertEqual(writes.map(\.values), [["title": "CFO"]])
        let events = await audit.events
        XCTAssertEqual(events.map(\.action), [.setPassword, .setPassword, .updateProfile, .updateProfile, .updateProfile])
        XCTAssertEqual(events[3].attributes, ["title"])
        XCTAssertEqual(events[4].reason, .profileIgnored)
        XCTAssertEqual(events[4].attributes, ["nickname"])
    }

    /// Each queued push reads the account when its turn comes: 20 deactivations write once.
    func testTheUserIsReadInsideTheLock() async throws {
        let svc = service!, id = alice.id, info = self.info
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { _ = try await svc.updateUser(id: id, change: AccountChange(active: false, form: .patchValue), request: info, operation: .patchUser) }
            }
            try await group.waitForAll()
        }
        let changes = await state.activeChanges
        XCTAssertEqual(changes.count, 1)
    }
}
