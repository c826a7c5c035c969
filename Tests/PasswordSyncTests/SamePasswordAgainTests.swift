import Audit
import Directory
import Fakes
@testable import PasswordSync
import Secrets
import XCTest

/// Okta pushes the password again at every sign-in, and retries: the same value again is 200
/// "unchanged" with nothing written, in every push form, and never a false "unchanged".
final class SamePasswordAgainTests: XCTestCase, @unchecked Sendable {
    let alice = DirectoryUser(id: "11111111-1111-1111-1111-111111111111", dn: "uid=alice,ou=people,dc=test", userName: "alice",
                              changeMarker: "change-0")
    var state: FakeDirectoryState!
    var audit: FakeAudit!
    var service: PasswordSyncService!
    let info = RequestInfo(requestID: "req-1", client: "192.0.2.1", principal: "okta")

    override func setUp() { reset() }

    func reset() {
        state = FakeDirectoryState(users: [alice])
        audit = FakeAudit()
        service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit)
    }

    func push(_ pw: String, _ form: AuditEvent.Form = .patchValue) async throws(SyncError) {
        _ = try await service.updateUser(id: alice.id, change: AccountChange(password: Secret(pw), form: form), request: info,
                                         operation: form == .put ? .replaceUser : .patchUser)
    }

    func decisions() async -> [String] {
        await audit.events.filter { $0.event != .pushReceived }.map { "\($0.event.rawValue)/\($0.outcome?.rawValue ?? "-")/\($0.reason?.rawValue ?? "-")" }
    }

    func testEveryPushFormRepeatingTheLastWriteIsUnchangedAndNotWritten() async throws {
        for form in [AuditEvent.Form.patchValue, .patchPath, .put, .patchResource] {
            reset()
            try await push("Okta!pass1", form)
            try await push("Okta!pass1", form)
            try await push("Okta!pass1", form)
            let writes = await state.writes
            XCTAssertEqual(writes.count, 1, "\(form): one write")
            let d = await decisions()
            XCTAssertEqual(d, ["applied/success/-", "applied/unchanged/same_as_last_write", "applied/unchanged/same_as_last_write"], "\(form)")
            let forms = await audit.events.filter { $0.event == .applied }.map(\.form)
            XCTAssertEqual(Set(forms), [form])
        }
    }

    func testFourIdenticalPushesAtOnceWriteOnce() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { try await self.push("Okta!pass1") } }
            try await group.waitForAll()
        }
        let writes = await state.writes
        XCTAssertEqual(writes.count, 1)
        let unchanged = await audit.events.filter { $0.outcome == .unchanged }.count
        XCTAssertEqual(unchanged, 3)
    }

    func testAResetMadeInTheDirectoryMeansTheRepeatIsWrittenAgain() async throws {
        try await push("Okta!pass1")
        await state.setCurrent(alice.id, "Helpdesk!2")  // a new marker, whatever the clock says
        try await push("Okta!pass1")
        let writes = await state.writes
        XCTAssertEqual(writes.count, 2, "the marker moved: in doubt, write")
        let current = await state.current[alice.id]
        XCTAssertEqual(current, Array("Okta!pass1".utf8))
    }

    func testWithoutMemoryTheCurrentPasswordRefusedAsReusedIsUnchangedAfterOneBind() async throws {
        await state.setHistory(3)
        try await push("Okta!pass1")
        // A restart: a new service, no fingerprint; the directory still holds Okta!pass1.
        service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit)
        try await push("Okta!pass1")
        var binds = await state.bindChecks
        XCTAssertEqual(binds, [true], "one bind, after the refusal")
        let d = await decisions()
        XCTAssertEqual(d.last, "applied/unchanged/already_current")
        // Remembered now: the next repeat needs no bind.
        try await push("Okta!pass1")
        binds = await state.bindChecks
        XCTAssertEqual(binds, [true])
        let writes = await state.writes
        XCTAssertEqual(writes.count, 1)
    }

    func testAGenuinelyOldValueIsStillRefusedNamingTheHistory() async throws {
        await state.setHistory(3)
        try await push("Okta!pass1")
        try await push("Okta!pass2")
        do {
            try await push("Okta!pass1")
            XCTFail("an old value must be refused")
        } catch {
            XCTAssertEqual(error.reason, .directory(.policyViolation))
            XCTAssertTrue(error.detail.contains("history"), error.detail)
        }
        let binds = await state.bindChecks
        XCTAssertEqual(binds, [false], "one bind, which failed")
        let d = await decisions()
        XCTAssertEqual(d.last, "rejected/failure/password_policy_violation")
    }

    /// OPP sends the password on every PUT, deactivation included. pwsync's own lock moves the
    /// marker (slapd's entryCSN) but not the password: the repeat is still "unchanged", with no
    /// bind (a locked account could not bind anyway).
    func testPwsyncsOwnLockKeepsTheRepeatUnchanged() async throws {
        await state.setHistory(3)
        try await push("Okta!pass1", .put)
        _ = try await service.updateUser(id: alice.id, change: AccountChange(password: Secret("Okta!pass1"), active: false, form: .put),
                                         request: info, operation: .replaceUser)
        _ = try await service.updateUser(id: alice.id, change: AccountChange(password: Secret("Okta!pass1"), active: false, form: .put),
                                         request: info, operation: .replaceUser)
        // A reactivation is applied before the password, so the account could prove it by a bind.
        _ = try await service.updateUser(id: alice.id, change: AccountChange(password: Secret("Okta!pass1"), active: true, form: .put),
                                         request: info, operation: .replaceUser)
        let writes = await state.writes.count
        XCTAssertEqual(writes, 1)
        let binds = await state.bindChecks
        XCTAssertEqual(binds, [])
        let actions = await audit.events.filter { $0.event == .applied }.map { "\($0.action?.rawValue ?? "-")/\($0.outcome?.rawValue ?? "-")" }
        XCTAssertEqual(actions, ["set_password/success", "set_password/unchanged", "deactivate/success", "set_password/unchanged",
                                 "reactivate/success", "set_password/unchanged"])
    }

    /// A lock someone else made is no proof: the marker moved outside pwsync's own write.
    func testSomeoneElsesChangeIsNotCarriedForward() async throws {
        try await push("Okta!pass1")
        await state.stamp(alice.id)
        try await push("Okta!pass1")
        let writes = await state.writes.count
        XCTAssertEqual(writes, 2)
    }

    func testNoBindUnlessTheDirectoryRefusedTheValueAsReused() async throws {
        await state.fail(with: DirectoryFailure(.policyViolation, "too short", resultCode: 19))
        do { try await push("Okta!pass1"); XCTFail("refused") } catch {}
        try await push("Okta!pass1")
        let binds = await state.bindChecks
        XCTAssertEqual(binds, [], "never a bind before a write, nor after another refusal")
    }
}
