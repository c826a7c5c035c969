import Audit
import Directory
import Secrets

/// In-memory directory: records every password write (as bytes, to assert on), fails on demand.
actor FakeDirectoryState {
    var users: [DirectoryUser]
    var writes: [(id: String, password: [UInt8])] = []
    var nextFailure: DirectoryFailure?

    init(users: [DirectoryUser]) { self.users = users }
    func fail(with f: DirectoryFailure?) { nextFailure = f }
    func takeFailure() -> DirectoryFailure? { defer { nextFailure = nil }; return nextFailure }
    func record(_ id: String, _ pw: [UInt8]) { writes.append((id, pw)) }
}

struct FakeDirectory: Directory {
    let state: FakeDirectoryState
    var kind: DirectoryKind { .openLDAP }

    func findUsers(_ filter: UserFilter?) async throws(DirectoryFailure) -> [DirectoryUser] {
        let all = await state.users
        guard let filter else { return all }
        return all.filter { matches($0, filter) }
    }

    func matches(_ u: DirectoryUser, _ f: UserFilter) -> Bool {
        switch f {
        case .equals(.userName, let v): return u.userName.lowercased() == v.lowercased()
        case .equals(.email, let v): return u.email?.lowercased() == v.lowercased()
        case .equals(.givenName, let v): return u.givenName == v
        case .equals(.familyName, let v): return u.familyName == v
        case .and(let fs): return fs.allSatisfy { matches(u, $0) }
        case .or(let fs): return fs.contains { matches(u, $0) }
        }
    }

    func user(id: String) async throws(DirectoryFailure) -> DirectoryUser? {
        await state.users.first { $0.id == id }
    }

    func setPassword(of user: DirectoryUser, to password: Secret) async throws(DirectoryFailure) -> PasswordWriteReport {
        if let f = await state.takeFailure() { throw f }
        await state.record(user.id, password.withUnsafeBytes { Array($0) })
        return PasswordWriteReport(historyEnforced: true)
    }
}

actor FakeAudit: AuditSink {
    var events: [AuditEvent] = []
    var broken = false
    struct Broken: Error {}
    func breakIt() { broken = true }
    func record(_ event: AuditEvent) throws {
        if broken { throw Broken() }
        events.append(event)
    }
}
