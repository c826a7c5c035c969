import Audit
import Directory
import Fakes
@testable import PasswordSync
import Secrets
import XCTest

/// Random mode, scopes, the policy pre-check and scramble on deactivate, over the in-memory directory.
final class PasswordModeTests: XCTestCase, @unchecked Sendable {
    let kiosk = DirectoryUser(id: "33333333-3333-3333-3333-333333333333", dn: "uid=kiosk1,ou=kiosks,ou=people,dc=test", userName: "kiosk1",
                              displayName: "Reception Kiosk", accountName: "kiosk1")
    let alice = DirectoryUser(id: "11111111-1111-1111-1111-111111111111", dn: "uid=alice,ou=people,dc=test", userName: "alice",
                              displayName: "Alice Liddell", accountName: "alice")
    let bob = DirectoryUser(id: "22222222-2222-2222-2222-222222222222", dn: "uid=bob,ou=kiosks,ou=people,dc=test", userName: "bob")
    let info = RequestInfo(requestID: "req-1", client: "192.0.2.1", principal: "okta")
    let adPolicy = PasswordPolicy(minLength: 14, complexity: true, historyLength: 3, source: "domain policy DC=test")

    func service(_ scopes: [PasswordScope] = [], scramble: Bool = false, policy: PasswordPolicy? = nil) async -> (PasswordSyncService, FakeDirectoryState, FakeAudit) {
        let state = FakeDirectoryState(users: [alice, bob, kiosk])
        await state.setPolicy(policy ?? adPolicy)
        let audit = FakeAudit()
        let s = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit,
                                    policy: SyncPolicy(modes: PasswordModes(scopes), scrambleOnDeactivate: scramble))
        return (s, state, audit)
    }

    func push(_ s: PasswordSyncService, _ u: DirectoryUser, _ pw: String, form: AuditEvent.Form = .patchValue, active: Bool? = nil) async throws(SyncError) -> DirectoryUser {
        try await s.updateUser(id: u.id, change: AccountChange(password: Secret(pw), active: active, form: form), request: info, operation: .patchUser)
    }

    /// In a random scope Okta's value never reaches the directory; a fresh password that meets
    /// the policy (and keeps clear of the names) does, and the audit says which mode and scope.
    func testRandomScopeWritesAFreshPasswordInsteadOfOktas() async throws {
        let (s, state, audit) = await service([PasswordScope(name: "kiosks", mode: .random, members: .subtree("ou=kiosks,ou=people,dc=test"))])
        let okta = "Okta-Value-123!"
        _ = try await push(s, kiosk, okta)
        _ = try await push(s, kiosk, okta + "2")
        let writes = await state.writes
        XCTAssertEqual(writes.count, 2)
        for w in writes {
            XCTAssertNotEqual(w.password, Array(okta.utf8))
            XCTAssertNotEqual(w.password, Array((okta + "2").utf8))
            XCTAssertGreaterThanOrEqual(w.password.count, 24)
            let secret = Secret(bytes: w.password)
            XCTAssertNil(adPolicy.violation(of: secret, accountName: "kiosk1", displayName: "Reception Kiosk"))
            XCTAssertFalse(PasswordPolicy.sharesNameFragment(secret, accountName: "kiosk1", displayName: "Reception Kiosk"))
        }
        XCTAssertNotEqual(writes[0].password, writes[1].password)
        let applied = await audit.events.filter { $0.event == .applied }
        XCTAssertEqual(applied.map(\.mode), [.random, .random])
        XCTAssertEqual(applied.map(\.scope), ["kiosks", "kiosks"])
        // alice is outside the subtree: her push is written as sent.
        _ = try await push(s, alice, "Own-Pass-99-Wonder")
        let last = await state.writes.last
        XCTAssertEqual(last?.password, Array("Own-Pass-99-Wonder".utf8))
        let mode = await audit.events.last?.mode
        XCTAssertEqual(mode, .sync)
    }

    /// A PUT that repeats Okta's last value does not rotate the random password again.
    func testARepeatedPutDoesNotRotateARandomPasswordAgain() async throws {
        let (s, state, audit) = await service([PasswordScope(name: "kiosks", mode: .random, members: .users(["KIOSK1"]))])
        _ = try await push(s, kiosk, "Okta-Value-123!", form: .put)
        _ = try await push(s, kiosk, "Okta-Value-123!", form: .put)
        let writes = await state.writes
        XCTAssertEqual(writes.count, 1)
        let outcome = await audit.events.last?.outcome
        XCTAssertEqual(outcome, .unchanged)
    }

    /// The most specific scope wins: a named user over a group over a subtree; among equals, random.
    func testTheMostSpecificScopeWins() async throws {
        let scopes = [
            PasswordScope(name: "all", mode: .random, members: .subtree("ou=people,dc=test")),
            PasswordScope(name: "kiosks-sync", mode: .sync, members: .subtree("ou=kiosks,ou=people,dc=test")),
            PasswordScope(name: "helpdesk", mode: .random, members: .group("cn=helpdesk,dc=test")),
            PasswordScope(name: "bob-exempt", mode: .sync, members: .users(["bob"])),
        ]
        let modes = PasswordModes(scopes)
        func scope(_ u: DirectoryUser, groups: Set<String> = []) async throws -> String? {
            try await modes.scope(for: u) { (dn: String) async throws(DirectoryFailure) -> Bool in groups.contains(dn) }?.name
        }
        let forAlice = try await scope(alice)
        let forKiosk = try await scope(kiosk)
        let forKioskInGroup = try await scope(kiosk, groups: ["cn=helpdesk,dc=test"])
        let forBob = try await scope(bob, groups: ["cn=helpdesk,dc=test"])
        XCTAssertEqual(forAlice, "all")
        XCTAssertEqual(forKiosk, "kiosks-sync", "the deeper subtree")
        XCTAssertEqual(forKioskInGroup, "helpdesk", "a group over a subtree")
        XCTAssertEqual(forBob, "bob-exempt", "a named user over everything")
        let tie = PasswordModes([PasswordScope(name: "a", mode: .sync, members: .users(["alice"])),
                                 PasswordScope(name: "b", mode: .random, members: .users(["alice"]))])
        let tied = try await tie.scope(for: alice) { (_: String) async throws(DirectoryFailure) -> Bool in false }
        XCTAssertEqual(tied?.name, "b")
        XCTAssertTrue(DNPath.isWithin("UID=Bob, OU=Kiosks,ou=people, dc=test", "ou=kiosks,ou=people,dc=test"))
        XCTAssertFalse(DNPath.isWithin("uid=bob,ou=notkiosks,ou=people,dc=test", "ou=kiosks,ou=people,dc=test"))
    }

    /// A pushed password the policy cannot accept is refused with the rule, before any write.
    func testThePreCheckNamesTheRuleAndWritesNothing() async throws {
        let (s, state, audit) = await service()
        let cases: [(String, String, AuditEvent.Reason)] = [
            ("Sh0rt!", "too short: 6 < 14 characters", .passwordTooShort),
            ("alllowercaseandd1g1ts", "three of four classes", .passwordNotComplex),
            ("Xx-ALICE-2024-spring", "contains the account name", .passwordContainsName),
            ("Xx-Liddell-2024-spring", "contains a part of the display name", .passwordContainsName),
        ]
        for (pw, detail, reason) in cases {
            do {
                _ = try await push(s, alice, pw)
                XCTFail("\(detail): must be refused")
            } catch {
                XCTAssertEqual(error.reason, .directory(.policyViolation))
                XCTAssertFalse(error.isTransient)
                XCTAssertTrue(error.detail.contains(detail), error.detail)
                XCTAssertTrue(error.detail.contains("domain policy DC=test"), error.detail)
                XCTAssertFalse(error.detail.contains(pw))
            }
            let last = await audit.events.last
            XCTAssertEqual(last?.event, .rejected)
            XCTAssertEqual(last?.reason, reason)
        }
        let writes = await state.writes
        XCTAssertTrue(writes.isEmpty)
        let attempted = await audit.events.contains { $0.event == .pushReceived }
        XCTAssertFalse(attempted, "nothing was attempted")
    }

    /// Scramble on: a deactivation also sets a random password, and the password Okta sent with
    /// it is never written.
    func testScrambleOnDeactivate() async throws {
        let (s, state, audit) = await service(scramble: true)
        _ = try await push(s, alice, "Okta-Deactivate-PUT-1", form: .put, active: false)
        let writes = await state.writes
        XCTAssertEqual(writes.count, 1)
        XCTAssertNotEqual(writes.first?.password, Array("Okta-Deactivate-PUT-1".utf8))
        let actions = await audit.events.filter { $0.event == .applied }.map { "\($0.action?.rawValue ?? "")/\($0.mode?.rawValue ?? "-")" }
        XCTAssertEqual(actions, ["deactivate/-", "scramble/random"])
        // Already inactive: no second scramble.
        _ = try await push(s, alice, "Okta-Deactivate-PUT-1", form: .put, active: false)
        let again = await state.writes
        XCTAssertEqual(again.count, 1)
        // Off by default: a deactivation changes only the account status.
        let (plain, plainState, _) = await service()
        _ = try await plain.updateUser(id: alice.id, change: AccountChange(active: false, form: .patchValue), request: info, operation: .patchUser)
        let none = await plainState.writes
        XCTAssertTrue(none.isEmpty)
    }
}

/// The schedule's decisions over the in-memory directory: due from the directory's stamp, sync
/// accounts never rotated, a failure backed off instead of retried at once.
final class RotationRunnerTests: XCTestCase, @unchecked Sendable {
    func testDueFromTheStampSyncNeverAndFailuresBackOff() async throws {
        var fresh = DirectoryUser(id: "44444444-4444-4444-4444-444444444444", dn: "uid=fresh,dc=test", userName: "fresh")
        fresh.passwordChangedAt = 1_000_000 - 3500
        var stale = DirectoryUser(id: "55555555-5555-5555-5555-555555555555", dn: "uid=stale,dc=test", userName: "stale")
        stale.passwordChangedAt = 1_000_000 - 7200
        let synced = DirectoryUser(id: "66666666-6666-6666-6666-666666666666", dn: "uid=synced,dc=test", userName: "synced")
        let state = FakeDirectoryState(users: [fresh, stale, synced])
        let audit = FakeAudit()
        let scopes = [PasswordScope(name: "r", mode: .random, members: .subtree("dc=test")),
                      PasswordScope(name: "s", mode: .sync, members: .users(["synced"]))]
        let service = PasswordSyncService(directory: FakeDirectory(state: state), audit: audit, policy: SyncPolicy(modes: PasswordModes(scopes)))
        let runner = RotationRunner(service: service, schedules: [RotationSchedule(scope: "r", intervalSeconds: 3600, perMinute: 6000)]) { 1_000_000 }
        let wait = await runner.pass()
        let writes = await state.writes
        XCTAssertEqual(writes.map(\.id), [stale.id], "only the account older than the interval; never the sync one")
        XCTAssertEqual(wait, 100, "the next pass is when fresh turns an hour old")
        let rotated = await audit.events.last
        XCTAssertEqual(rotated?.principal, "rotation:r")
        XCTAssertEqual(rotated?.mode, .random)

        // A failure: audited by the write, then left alone for a minute, not hammered.
        let failing = FakeDirectoryState(users: [stale])
        await failing.fail(with: DirectoryFailure(.unavailable, "down", isTransient: true))
        let s2 = PasswordSyncService(directory: FakeDirectory(state: failing), audit: FakeAudit(), policy: SyncPolicy(modes: PasswordModes(scopes)))
        let r2 = RotationRunner(service: s2, schedules: [RotationSchedule(scope: "r", intervalSeconds: 3600, perMinute: 6000)]) { 1_000_000 }
        let retry = await r2.pass()
        XCTAssertEqual(retry, 60)
        _ = await r2.pass()
        let none = await failing.writes
        XCTAssertTrue(none.isEmpty, "the second pass within the backoff did not try again")
    }
}
