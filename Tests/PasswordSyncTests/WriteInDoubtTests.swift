import Audit
import Directory
import Fakes
@testable import PasswordSync
import Secrets
import XCTest

/// A write the directory did not answer leaves its user in doubt: no other write for that user is
/// sent until its fate is known, lookups go on, and the late outcome is audited.
final class WriteInDoubtTests: XCTestCase, @unchecked Sendable {
    let alice = DirectoryUser(id: "11111111-1111-1111-1111-111111111111", dn: "uid=alice,ou=people,dc=test", userName: "alice",
                              changeMarker: "change-0")
    let bob = DirectoryUser(id: "22222222-2222-2222-2222-222222222222", dn: "uid=bob,ou=people,dc=test", userName: "bob")
    var state: FakeDirectoryState!
    var audit: FakeAudit!
    var service: PasswordSyncService!
    let info = RequestInfo(requestID: "req-1", client: "192.0.2.1", principal: "okta")

    override func setUp() {
        state = FakeDirectoryState(users: [alice, bob])
        audit = FakeAudit()
        service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit)
    }

    func push(_ pw: String, _ user: DirectoryUser? = nil) async throws(SyncError) {
        _ = try await service.updateUser(id: (user ?? alice).id, change: AccountChange(password: Secret(pw), form: .patchValue),
                                         request: info, operation: .patchUser)
    }

    /// The next write is left in doubt; the returned continuation decides its fate.
    func leaveNextWriteInDoubt() async -> AsyncStream<LateOutcome>.Continuation {
        let (stream, fate) = AsyncStream.makeStream(of: LateOutcome.self)
        var failure = DirectoryFailure(.outcomeUnknown, "no answer", resultCode: -5, isTransient: true, outcomeUnknown: true)
        failure.pending = PendingWrite {
            for await outcome in stream { return outcome }
            return .notApplied
        }
        await state.fail(with: failure)
        return fate
    }

    func settled() async throws {
        for _ in 0..<200 where service.usersInDoubt > 0 { try await Task.sleep(for: .milliseconds(5)) }
        let left = service.usersInDoubt
        XCTAssertEqual(left, 0, "the doubt was lifted")
    }

    func testWhileInDoubtWritesAreDeferredUnsentAndLookupsWork() async throws {
        let fate = await leaveNextWriteInDoubt()
        do { try await push("First!pass1"); XCTFail("429") } catch { XCTAssertEqual(error.reason, .directory(.outcomeUnknown)) }
        do {
            try await push("Second!pass2")
            XCTFail("a newer write must wait for the one in doubt")
        } catch {
            XCTAssertEqual(error.reason, .writeInDoubt)
            XCTAssertTrue(error.isTransient, "answered 429: Okta retries it")
        }
        let writes = await state.writes
        XCTAssertEqual(writes.count, 0, "nothing sent while in doubt")
        let looked = try await service.getUser(id: alice.id)
        XCTAssertEqual(looked.userName, "alice", "lookups still work")
        try await push("Bob!pass1", bob)  // other users are not held up
        let bobWrites = await state.writes.count
        XCTAssertEqual(bobWrites, 1)

        // The directory applies the first write late.
        await state.setCurrent(alice.id, "First!pass1")
        let after = await state.users.first { $0.id == alice.id }
        fate.yield(.applied(after: after))
        try await settled()
        // Okta's retry of the value that landed: unchanged, not written again.
        try await push("First!pass1")
        let total = await state.writes.count
        XCTAssertEqual(total, 1, "only bob's write went out")
        let d = await audit.events.filter { $0.userID == alice.id && $0.event != .pushReceived }
            .map { "\($0.event.rawValue)/\($0.outcome?.rawValue ?? "-")/\($0.reason?.rawValue ?? "-")" }
        XCTAssertEqual(d, ["deferred/unknown/write_outcome_unknown", "deferred/deferred/write_in_doubt",
                           "applied_late/success/-", "applied/unchanged/same_as_last_write"])
        let late = await audit.events.first { $0.event == .appliedLate }
        XCTAssertEqual(late?.requestID, "req-1", "the late record names the request that sent the write")
    }

    func testALateRefusalAndANoAnswerAreAuditedAndLiftTheDoubt() async throws {
        var fate = await leaveNextWriteInDoubt()
        do { try await push("First!pass1") } catch {}
        fate.yield(.refused(DirectoryFailure(.policyViolation, "in history", resultCode: 19)))
        try await settled()
        fate = await leaveNextWriteInDoubt()
        do { try await push("Second!pass2") } catch {}
        fate.yield(.notApplied)
        try await settled()
        try await push("Third!pass3")
        let writes = await state.writes.map { String(decoding: $0.password, as: UTF8.self) }
        XCTAssertEqual(writes, ["Third!pass3"])
        let kinds = await audit.events.filter { [.rejectedLate, .doubtLifted].contains($0.event) }
            .map { "\($0.event.rawValue)/\($0.outcome?.rawValue ?? "-")/\($0.reason?.rawValue ?? "-")" }
        XCTAssertEqual(kinds, ["rejected_late/failure/password_policy_violation", "doubt_lifted/failure/no_late_answer"])
    }

    func testAMovedMarkerIsNoProofOfOurValue() async throws {
        let fate = await leaveNextWriteInDoubt()
        do { try await push("First!pass1") } catch {}
        await state.setCurrent(alice.id, "Helpdesk!9")
        let after = await state.users.first { $0.id == alice.id }!
        fate.yield(.markerMoved(after: after))
        try await settled()
        // Not remembered as ours: Okta's retry is written, never a false "unchanged".
        try await push("First!pass1")
        let current = await state.current[alice.id]
        XCTAssertEqual(current, Array("First!pass1".utf8))
    }
}
