import Audit
import Directory
import Foundation
import Secrets

/// In-memory directory for unit tests of pure logic: records every write (passwords as bytes, to
/// assert on), fails on demand, and follows the `Directory` contract (stable order, ids, active).
package actor FakeDirectoryState {
    package var users: [DirectoryUser]
    package var writes: [(id: String, password: [UInt8])] = []
    package var created: [(user: NewUser, password: [UInt8])] = []
    package var activeChanges: [(id: String, active: Bool)] = []
    package var profileWrites: [(id: String, values: [String: String?])] = []
    var failures: [DirectoryFailure] = []
    /// A failure for the first read after the next write (the directory gone just after a write).
    var readFailureAfterWrite: DirectoryFailure?
    var armedReadFailure: DirectoryFailure?

    /// The rules every account's password must meet.
    package var policy = PasswordPolicy.none
    /// How many earlier passwords a write may not repeat, the current one included (ppolicy's
    /// `pwdInHistory`; 0 = none): such a write is refused as reused, as slapd does.
    package var historyLength = 0
    /// Binds made to check a password (`isCurrentPassword`), and what each found.
    package var bindChecks: [Bool] = []
    package func setHistory(_ n: Int) { historyLength = n }
    /// The current password of each user (bytes), as set through this directory or `setCurrent`.
    package var current: [String: [UInt8]] = [:]
    var history: [String: [[UInt8]]] = [:]
    /// A helpdesk reset in the directory itself: a new password and a new change marker.
    package func setCurrent(_ id: String, _ password: String) {
        current[id] = Array(password.utf8)
        history[id, default: []].append(Array(password.utf8))
        stamp(id)
    }
    /// Group DN → ids of its members.
    package var groups: [String: Set<String>] = [:]

    package init(users: [DirectoryUser]) { self.users = users }
    package func setPolicy(_ p: PasswordPolicy) { policy = p }
    package func setGroup(_ dn: String, members: Set<String>) { groups[dn] = members }
    /// The next write fails with `f` (queue several for several writes).
    package func fail(with f: DirectoryFailure?) {
        if let f { failures.append(f) } else { failures = [] }
    }
    func takeFailure() -> DirectoryFailure? { failures.isEmpty ? nil : failures.removeFirst() }
    /// The first read after the next write fails with `f`.
    package func failFirstReadAfterWrite(with f: DirectoryFailure) { readFailureAfterWrite = f }
    func takeReadFailure() -> DirectoryFailure? {
        defer { armedReadFailure = nil }
        return armedReadFailure
    }
    /// True when `pw` is among the last `historyLength` passwords of `id`.
    func inHistory(_ id: String, _ pw: [UInt8]) -> Bool {
        historyLength > 0 && history[id, default: []].suffix(historyLength).contains(pw)
    }
    func checkBind(_ id: String, _ pw: [UInt8]) -> Bool {
        let ok = current[id] == pw
        bindChecks.append(ok)
        return ok
    }
    func record(_ id: String, _ pw: [UInt8]) {
        writes.append((id, pw))
        current[id] = pw
        history[id, default: []].append(pw)
        stamp(id)
        armedReadFailure = readFailureAfterWrite
        readFailureAfterWrite = nil
    }
    /// What the directory's own record of a password change does on every change.
    package func stamp(_ id: String) {
        changes += 1
        if let i = users.firstIndex(where: { $0.id == id }) { users[i].changeMarker = "change-\(changes)" }
    }
    var changes = 0
    /// Like slapd: a lock or unlock moves the change marker too, and the write reports its move.
    func setActive(_ id: String, _ active: Bool) -> DirectoryUser? {
        guard let i = users.firstIndex(where: { $0.id == id }) else { return nil }
        let before = users[i].changeMarker
        users[i].active = active
        stamp(id)
        activeChanges.append((id, active))
        var now = users[i]
        now.markerBeforeOwnWrite = before
        return now
    }
    func setProfile(_ id: String, _ values: [String: String?]) -> [String] {
        guard let i = users.firstIndex(where: { $0.id == id }) else { return [] }
        for (k, v) in values { users[i].profile[k] = v }
        profileWrites.append((id, values))
        return values.keys.sorted()
    }
    func add(_ new: NewUser, _ pw: [UInt8], base: String) -> DirectoryUser {
        let u = DirectoryUser(id: UUID().uuidString.lowercased(), dn: "uid=\(new.userName),\(base)", userName: new.userName,
                              givenName: new.givenName, familyName: new.familyName, displayName: new.displayName,
                              email: new.email, active: new.active)
        users.append(u)
        created.append((new, pw))
        return u
    }
}

package struct FakeDirectory: Directory {
    package let state: FakeDirectoryState
    package let creationBase: String?
    package let profileAttributes: Set<String>
    package var idAttribute: String { "entryUUID" }
    package var searchBase: String { "ou=people,dc=test" }

    package init(state: FakeDirectoryState, creationBase: String? = nil, profileAttributes: Set<String> = []) {
        self.state = state
        self.creationBase = creationBase
        self.profileAttributes = profileAttributes
    }

    package func probe() async throws(DirectoryFailure) {
        if let f = await state.takeFailure() { throw f }
    }

    package func updateProfile(_ values: [String: String?], of user: DirectoryUser) async throws(DirectoryFailure) -> [String] {
        if let f = await state.takeFailure() { throw f }
        return await state.setProfile(user.id, values)
    }

    /// `(uid=NAME)` only, enough for the rotation use-cases.
    package func findUsers(ldapFilter: String) async throws(DirectoryFailure) -> [DirectoryUser] {
        guard ldapFilter.hasPrefix("(uid="), ldapFilter.hasSuffix(")") else { throw DirectoryFailure(.invalidAttribute, "malformed") }
        let name = String(ldapFilter.dropFirst(5).dropLast())
        return try await findUsers(.equals(.userName, name))
    }

    package func findUsers(_ filter: UserFilter?) async throws(DirectoryFailure) -> [DirectoryUser] {
        let all = await state.users.sorted { $0.dn < $1.dn }
        guard let filter else { return all }
        return all.filter { matches($0, filter) }
    }

    func matches(_ u: DirectoryUser, _ f: UserFilter) -> Bool {
        switch f {
        case .equals(.id, let v): return u.id == v.lowercased()
        case .equals(.userName, let v): return u.userName.lowercased() == v.lowercased()
        case .equals(.email, let v): return u.email?.lowercased() == v.lowercased()
        case .equals(.givenName, let v): return u.givenName == v
        case .equals(.familyName, let v): return u.familyName == v
        case .equals(.displayName, let v): return u.displayName == v
        case .and(let fs): return fs.allSatisfy { matches(u, $0) }
        case .or(let fs): return fs.contains { matches(u, $0) }
        }
    }

    package func user(id: String) async throws(DirectoryFailure) -> DirectoryUser? {
        if let f = await state.takeReadFailure() { throw f }
        return await state.users.first { $0.id == id }
    }

    package func passwordPolicy(for user: DirectoryUser?) async throws(DirectoryFailure) -> PasswordPolicy {
        await state.policy
    }

    package func isMember(_ user: DirectoryUser, ofGroup groupDN: String) async throws(DirectoryFailure) -> Bool {
        await state.groups[groupDN]?.contains(user.id) == true
    }

    package func setPassword(of user: DirectoryUser, to password: Secret) async throws(DirectoryFailure) -> PasswordWriteReport {
        if let f = await state.takeFailure() { throw f }
        // Like a real directory: a value its policy refuses is never written.
        let accountName = user.accountName ?? user.userName
        if await state.policy.violation(of: password, accountName: accountName, displayName: user.displayName) != nil {
            throw DirectoryFailure(.policyViolation, "refused by the fake's policy")
        }
        let bytes = password.withUnsafeBytes { Array($0) }
        if await state.inHistory(user.id, bytes) {
            throw DirectoryFailure(.policyViolation, "Directory refused the new password: it is in the password history.", resultCode: 19,
                                   refusedAsReused: true)
        }
        await state.record(user.id, bytes)
        return PasswordWriteReport(historyEnforced: true)
    }

    package func isCurrentPassword(_ password: Secret, of user: DirectoryUser) async throws(DirectoryFailure) -> Bool {
        await state.checkBind(user.id, password.withUnsafeBytes { Array($0) })
    }

    package func setActive(_ active: Bool, of user: DirectoryUser) async throws(DirectoryFailure) -> DirectoryUser {
        if let f = await state.takeFailure() { throw f }
        guard let u = await state.setActive(user.id, active) else { throw DirectoryFailure(.userNotFound, "gone") }
        return u
    }

    package func createUser(_ user: NewUser, password: Secret) async throws(DirectoryFailure) -> DirectoryUser {
        if let f = await state.takeFailure() { throw f }
        return await state.add(user, password.withUnsafeBytes { Array($0) }, base: creationBase ?? "")
    }
}

/// Audit sink in memory; can be broken to test fail-closed behaviour.
package actor FakeAudit: AuditSink {
    package var events: [AuditEvent] = []
    var broken = false
    struct Broken: Error {}
    package init() {}
    package func breakIt() { broken = true }
    package func record(_ event: AuditEvent) throws {
        if broken { throw Broken() }
        events.append(event)
    }
}
