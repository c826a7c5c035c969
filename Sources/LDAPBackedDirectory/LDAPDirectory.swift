import Directory
import CoreMetrics
import Kerberos
import Metrics
import LDAP
import LDAPSyntax
import Logging
import Secrets
import Synchronization

/// `Directory` over LDAP: searches, pooling and failover here; everything that differs between
/// Active Directory and OpenLDAP in its `DirectoryDialect`.
package final class LDAPDirectory: Directory, LDAPSession {
    package let configuration: LDAPDirectoryConfiguration
    let dialect: any DirectoryDialect
    let pool: ConnectionPool
    let logger: Logger
    let rootDSE = RootDSECache()
    let policies = PolicyCache()
    /// Accounts (DNs, lower-cased) with a password write sent and never answered: a later change of
    /// their password stamp cannot be attributed to any one write until one is answered.
    let unsettled = Mutex<Set<String>>([])

    package var idAttribute: String { dialect.idAttribute }
    package var profileAttributes: Set<String> { Set(configuration.profileMapping.keys) }
    /// What every user search reads: the dialect's attributes and the mapped profile attributes.
    let userAttributes: [String]
    /// `pwsync_directory_operation_seconds`, one timer per action and result, made once.
    let timers: [DirectoryAction: (ok: Timer, error: Timer)]
    package var searchBase: String { configuration.userBase }
    package var creationBase: String? { configuration.creationBase }

    package init(_ configuration: LDAPDirectoryConfiguration, logger: Logger = Logger(label: "pwsync.directory")) {
        self.configuration = configuration
        self.logger = logger
        let dialect = Self.dialect(for: configuration)
        self.dialect = dialect
        var seen = Set(dialect.userAttributes.map { $0.lowercased() })
        userAttributes = dialect.userAttributes + configuration.profileMapping.values.sorted().filter { seen.insert($0.lowercased()).inserted }
        timers = Dictionary(uniqueKeysWithValues: DirectoryAction.allCases.map { action in
            func timer(_ result: String) -> Timer {
                Timer(label: "pwsync_directory_operation_seconds", dimensions: [("action", action.rawValue), ("result", result)])
            }
            return (action, (ok: timer("ok"), error: timer("error")))
        })
        self.pool = ConnectionPool(servers: configuration.servers, account: configuration.account, maxSize: configuration.poolSize,
                                   maxWait: configuration.poolWait)
    }

    /// The one place that turns the configured kind into behaviour.
    static func dialect(for configuration: LDAPDirectoryConfiguration) -> any DirectoryDialect {
        switch configuration.kind {
        case .activeDirectory:
            return ActiveDirectoryDialect(userNameAttributes: configuration.userNameAttributes, options: configuration.activeDirectory)
        case .openLDAP:
            return OpenLDAPDialect(userNameAttributes: configuration.userNameAttributes, ppolicyDefault: configuration.ppolicyDefault)
        }
    }

    package func shutdown() async { await pool.closeAll() }

    /// The service account's password changed (rotated, file rewritten): new connections use it.
    package func updateBindPassword(_ password: Secret) async { await pool.update(bindPassword: password) }

    /// A directory server is reachable and the service account bound (a root DSE read on a
    /// pooled connection).
    package func probe() async throws(DirectoryFailure) {
        _ = try await run { c in try await c.search(base: "", scope: .base, filter: .any, attributes: ["1.1"]) }
    }

    /// The server an error names: the one it came from; with several configured and none
    /// reachable, all of them.
    func serverName(_ error: LDAPError) -> String {
        let all = configuration.servers.map(\.url.description)
        if error.isTransient, all.count > 1, error.operation.hasPrefix("connect") || error.operation == "StartTLS" {
            return "\(error.server ?? all[0]) (and every other configured server: \(all.joined(separator: ", ")))"
        }
        return error.server ?? all.first ?? "directory"
    }

    // MARK: LDAPSession

    func run<T: Sendable>(_ action: DirectoryAction = .read,
                          _ body: @Sendable (LDAPConnection) async throws -> T) async throws(DirectoryFailure) -> T {
        do { return try await runUnmapped(action, body) } catch { throw failure(error, action) }
    }

    /// `run` with the LDAP layer's own errors, for a caller that needs more than the mapped failure
    /// (the request left unanswered on its connection).
    func runUnmapped<T: Sendable>(_ action: DirectoryAction, _ body: @Sendable (LDAPConnection) async throws -> T) async throws -> T {
        if RequestDeadline.passed { throw RequestDeadline.failure }
        let started = ContinuousClock.now
        var succeeded = false
        defer {
            let timer = succeeded ? timers[action]?.ok : timers[action]?.error
            timer?.record(duration: ContinuousClock.now - started)
        }
        let value = try await pool.withConnection(idempotent: action == .read, body)
        succeeded = true
        return value
    }

    /// Any error from the LDAP layer as the failure pwsync reports.
    func failure(_ error: any Error, _ action: DirectoryAction) -> DirectoryFailure {
        switch error {
        case let f as DirectoryFailure:
            return f
        case let e as LDAPError:
            let failure = LDAPResultMapping.failure(e, dialect: dialect, server: serverName(e), action: action)
            logger.warning("directory operation failed", metadata: [
                "reason": "\(failure.reason.rawValue)", "ldap_error": "\(e)",
            ])
            return failure
        case let k as KerberosFailure:
            let failure = LDAPResultMapping.failure(k)
            logger.warning("directory bind failed", metadata: ["reason": "\(failure.reason.rawValue)", "kerberos_error": "\(k)"])
            return failure
        default:
            return DirectoryFailure(.directoryError, "Unexpected error talking to the directory.")
        }
    }

    func writeAndReadBack(_ action: DirectoryAction, dn: String, stampBefore: String?,
                          _ write: @Sendable (isolated LDAPConnection) throws -> Void) async throws(DirectoryFailure) -> DirectoryUser? {
        let attrs = userAttributes
        let filter = dialect.userObjectFilter
        do {
            let entries = try await runUnmapped(action) { c in
                try await c.perform { c in
                    try write(c)
                    return try? c.search(base: dn, scope: .base, filter: filter, attributes: attrs)
                }
            }
            _ = unsettled.withLock { $0.remove(dn.lowercased()) }
            return entries?.lazy.compactMap(user(from:)).first
        } catch {
            let mapped = failure(error, action)
            guard mapped.outcomeUnknown else { throw mapped }
            return try await settle(dn: dn, stampBefore: stampBefore, mapped, unanswered: (error as? LDAPError)?.unanswered)
        }
    }

    /// A password write that got no answer (timeout, or the connection lost while waiting). A 429
    /// for a password that did land would make Okta send it again, into the password history; so
    /// the account is read again on a fresh connection. A changed change marker means it landed,
    /// unless an earlier unanswered write to the same account could be the one that landed.
    /// Anything else stays unknown: a directory may still apply the write later (slapd does), so
    /// "not yet" is not "no". The failure then carries the write, still awaited, as `pending`.
    func settle(dn: String, stampBefore: String?, _ failure: DirectoryFailure,
                unanswered: UnansweredRequest?) async throws(DirectoryFailure) -> DirectoryUser? {
        let key = dn.lowercased()
        let earlierPending = unsettled.withLock { pending in !pending.insert(key).inserted }
        let pending = PendingWrite { [self] in
            await RequestDeadline.$startBy.withValue(nil) { await lateOutcome(of: unanswered, dn: dn, stampBefore: stampBefore) }
        }
        let now: DirectoryUser?
        do {
            // Part of the write's own bound (and worth more than the deadline): it runs regardless.
            let reread = await RequestDeadline.$startBy.withValue(nil) { () async -> Result<DirectoryUser?, DirectoryFailure> in
                do throws(DirectoryFailure) { return .success(try await rereadForSettling(dn: dn)) } catch { return .failure(error) }
            }
            now = try reread.get()
        } catch {
            logger.error("password write unanswered, and the directory cannot be asked whether it landed", metadata: [
                "dn": "\(dn)", "write_error": "\(failure.reason.rawValue)", "read_error": "\(error.reason.rawValue)",
            ])
            var unknown = DirectoryFailure(.outcomeUnknown,
                                           "The directory did not answer the password write, and could not be asked whether it was applied. pwsync keeps waiting for its answer; until then, writes for this user are answered 429 and retried.",
                                           resultCode: failure.resultCode, isTransient: true, outcomeUnknown: true)
            unknown.pending = pending
            throw unknown
        }
        if !earlierPending, let now, now.changeMarker != stampBefore {
            _ = unsettled.withLock { $0.remove(key) }
            logger.notice("password write unanswered, but it landed", metadata: ["dn": "\(dn)"])
            if let unanswered { Task { await unanswered.connection.abandon(messageID: unanswered.messageID) } }
            return now
        }
        var unknown = DirectoryFailure(.outcomeUnknown,
                                       earlierPending
                                           ? "The directory did not answer the password write, and an earlier unanswered write to this account may be the one it applied. The push will be retried."
                                           : "The directory did not answer the password write, and had not applied it when pwsync checked (it may still). The push will be retried.",
                                       resultCode: failure.resultCode, isTransient: true, outcomeUnknown: true)
        unknown.pending = pending
        throw unknown
    }

    /// The account read again, retried for a few seconds while the directory is unreachable: a
    /// server that restarted (or a connection that dropped) usually answers within that window,
    /// and an answer beats an unknown outcome.
    private func rereadForSettling(dn: String) async throws(DirectoryFailure) -> DirectoryUser? {
        let window = DirectoryStep.settleWindow(operation: configuration.servers.first?.operationTimeout ?? .zero)
        let until = ContinuousClock.now + window
        while true {
            do {
                return try await entry(dn: dn)
            } catch where error.isTransient && ContinuousClock.now + .milliseconds(250) < until {
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// How long a write left in doubt is still awaited on its own connection.
    static let lateAnswerWindow: Duration = .seconds(600)

    /// Waits for the late answer to an unanswered write (up to `lateAnswerWindow`); when none can
    /// come any more, reads the account until a working connection answers, and compares its
    /// change marker with the one before the write.
    func lateOutcome(of unanswered: UnansweredRequest?, dn: String, stampBefore: String?,
                     window: Duration = LDAPDirectory.lateAnswerWindow) async -> LateOutcome {
        defer { _ = unsettled.withLock { $0.remove(dn.lowercased()) } }
        if let u = unanswered {
            let until = ContinuousClock.now + window
            waiting: while ContinuousClock.now < until {
                switch await u.connection.lateResult(messageID: u.messageID, wait: .seconds(1)) {
                case .waiting:
                    continue
                case .succeeded:
                    await u.connection.close()
                    return .applied(after: await readUntilAnswered(dn: dn))
                case .failed(let e):
                    await u.connection.close()
                    return .refused(LDAPResultMapping.failure(e, dialect: dialect, server: u.connection.options.url.description))
                case .connectionLost:
                    break waiting
                }
            }
            await u.connection.abandon(messageID: u.messageID)
        }
        guard let now = await readUntilAnswered(dn: dn) else { return .notApplied }
        return now.changeMarker != stampBefore ? .markerMoved(after: now) : .notApplied
    }

    /// The account at `dn`, read again every few seconds until a directory server answers (nil
    /// when it answers that the account is gone).
    private func readUntilAnswered(dn: String) async -> DirectoryUser? {
        var pause = Duration.seconds(1)
        while true {
            do throws(DirectoryFailure) { return try await entry(dn: dn) } catch {
                logger.notice("account in doubt not readable yet", metadata: ["dn": "\(dn)", "reason": "\(error.reason.rawValue)"])
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(10))
        }
    }

    func supportedControls() async throws(DirectoryFailure) -> Set<String> {
        if let cached = await rootDSE.controls { return cached }
        let entries = try await run { c in
            try await c.search(base: "", scope: .base, filter: .any, attributes: ["supportedControl"])
        }
        let controls = Set(entries.first?.values("supportedControl").map { String(decoding: $0, as: UTF8.self) } ?? [])
        await rootDSE.store(controls)
        return controls
    }

    // MARK: Directory

    package func findUsers(_ filter: UserFilter?) async throws(DirectoryFailure) -> [DirectoryUser] {
        // No account name contains a control character, and Samba cuts an assertion value at an
        // escaped NUL (`carol\00` matches carol): answer "no such user" without asking.
        if let filter, Self.hasControlCharacters(filter) { return [] }
        let ldapFilter = LDAPFilter.and([dialect.userObjectFilter] + (filter.map { [render($0)] } ?? []))
        let base = configuration.userBase
        let attrs = userAttributes
        let entries = try await run { c in
            try await c.search(base: base, scope: .subtree, filter: ldapFilter, attributes: attrs)
        }
        if case .equals(.userName, let name)? = filter { try requireOneOwner(of: name, entries) }
        return entries.compactMap(user(from:)).sorted { $0.dn.lowercased() < $1.dn.lowercased() }
    }

    package func findUsers(ldapFilter: String) async throws(DirectoryFailure) -> [DirectoryUser] {
        guard !ldapFilter.trimmingBlanksAndParentheses().isEmpty else { throw DirectoryFailure(.invalidAttribute, "The LDAP filter is empty.") }
        let filter = LDAPFilter.and([dialect.userObjectFilter, .administrator(ldapFilter)])
        let base = configuration.userBase
        let attrs = userAttributes
        do {
            let entries = try await run { c in try await c.search(base: base, scope: .subtree, filter: filter, attributes: attrs) }
            return entries.compactMap(user(from:)).sorted { $0.dn.lowercased() < $1.dn.lowercased() }
        } catch where error.ldapResult == .filterError || error.ldapResult == .filterErrorLegacy {
            throw DirectoryFailure(.invalidAttribute, "The LDAP filter \(ldapFilter) is malformed (RFC 4515), e.g. \"(department=Kiosks)\".")
        }
    }

    /// A userName that two entries answer to (one by each attribute, say a UPN and another
    /// account's sAMAccountName) names no one for sure: refuse rather than guess.
    func requireOneOwner(of name: String, _ entries: [LDAPEntry]) throws(DirectoryFailure) {
        guard entries.count > 1 else { return }
        let owners = entries.prefix(2).map { e -> String in
            let by = configuration.userNameAttributes.first { e.string($0)?.lowercased() == name.lowercased() } ?? "userName"
            return "\(e.dn) (by \(by))"
        }
        throw DirectoryFailure(.ambiguousUser,
                               "userName '\(name)' matches more than one directory entry: \(owners.joined(separator: " and ")). Make it unique in the directory, or narrow directory.user_name_attribute.")
    }

    /// A user from an entry: the dialect's reading plus the mapped profile values.
    func user(from e: LDAPEntry) -> DirectoryUser? {
        guard var u = dialect.user(from: e) else { return nil }
        for (path, attr) in configuration.profileMapping {
            if let v = e.string(attr) { u.profile[path] = v }
        }
        return u
    }

    package func updateProfile(_ values: [String: String?], of user: DirectoryUser) async throws(DirectoryFailure) -> [String] {
        var byAttribute: [String: LDAPModification] = [:]
        for (path, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let attr = configuration.profileMapping[path] else { continue }
            let new = value.flatMap { $0.isEmpty ? nil : $0 }
            if new == user.profile[path] { continue }
            // REPLACE with no value removes the attribute, and is no error when it is absent.
            byAttribute[attr.lowercased()] = LDAPModification(.replace, attr, new.map { [.string($0)] } ?? [])
        }
        let mods = byAttribute.values.sorted { $0.attribute < $1.attribute }
        guard !mods.isEmpty else { return [] }
        let dn = user.dn
        try await run(.setProfile) { c in try await c.modify(dn: dn, mods) }
        return mods.map(\.attribute)
    }

    package func user(id: String) async throws(DirectoryFailure) -> DirectoryUser? {
        guard let idFilter = dialect.idFilter(id) else { return nil }
        let base = configuration.userBase
        let attrs = userAttributes
        let filter = LDAPFilter.and([dialect.userObjectFilter, idFilter])
        let entries = try await run { c in
            try await c.search(base: base, scope: .subtree, filter: filter, attributes: attrs, sizeLimit: 2)
        }
        let users = entries.compactMap(user(from:))
        guard users.count <= 1 else { throw DirectoryFailure(.ambiguousUser, "More than one directory entry has this id.") }
        return users.first
    }

    package func setPassword(of user: DirectoryUser, to password: Secret) async throws(DirectoryFailure) -> PasswordWriteReport {
        try await dialect.setPassword(of: user, to: password, in: self)
    }

    /// One simple bind as the user, on a connection of its own (TLS only: `LDAPConnection` refuses
    /// to bind otherwise), to the first configured server that can be reached.
    package func isCurrentPassword(_ password: Secret, of user: DirectoryUser) async throws(DirectoryFailure) -> Bool {
        if RequestDeadline.passed { throw RequestDeadline.failure }
        var last: (any Error)?
        for server in configuration.servers {
            do {
                let c = try await LDAPConnection.connect(server)
                do {
                    try await c.simpleBind(dn: user.dn, password: password)
                    await c.close()
                    return true
                } catch let e as LDAPError where e.resultCode == .invalidCredentials {
                    await c.close()
                    return false
                } catch {
                    await c.close()
                    throw error
                }
            } catch let e as LDAPError where e.isTransient {
                last = e
            } catch {
                throw failure(error, .read)
            }
        }
        throw failure(last ?? LDAPError(kind: .result(.serverDown), operation: "bind"), .read)
    }

    package func setActive(_ active: Bool, of user: DirectoryUser) async throws(DirectoryFailure) -> DirectoryUser {
        let move = try await dialect.setActive(active, dn: user.dn, in: self)
        guard var now = try await entry(dn: user.dn) else {
            throw DirectoryFailure(.userNotFound, "The user no longer exists in the directory.")
        }
        // Only when nothing moved the marker since the write's own visit.
        if let move, move.after != nil, move.after == now.changeMarker { now.markerBeforeOwnWrite = move.before }
        return now
    }

    func modifyBetweenMarkers(_ action: DirectoryAction, dn: String, _ modifications: [LDAPModification]) async throws(DirectoryFailure) -> MarkerMove {
        let attribute = dialect.changeMarkerAttribute
        return try await run(action) { c in
            try await c.perform { c in
                let before = (try? c.search(base: dn, scope: .base, filter: .any, attributes: [attribute]))?.first?.string(attribute)
                try c.modify(dn: dn, modifications)
                let after = (try? c.search(base: dn, scope: .base, filter: .any, attributes: [attribute]))?.first?.string(attribute)
                return MarkerMove(before, after)
            }
        }
    }

    /// The password goes in the add itself, so the directory applies its policy to it and an
    /// account never exists without one.
    package func createUser(_ new: NewUser, password: Secret) async throws(DirectoryFailure) -> DirectoryUser {
        guard let base = configuration.creationBase else {
            throw DirectoryFailure(.directoryError, "Account creation is not configured.")
        }
        var attempt = 0
        var added = ""
        while true {
            guard let (candidate, attributes) = try dialect.addRequest(new, password: password, base: base, attempt: attempt) else {
                throw DirectoryFailure(.alreadyExists,
                                       "Every account name pwsync tried for '\(new.userName)' is taken in the directory (\(attempt) tried).")
            }
            do {
                try await run(.create) { c in try await c.add(dn: candidate, attributes) }
                added = candidate
                break
            } catch where error.reason == .alreadyExists {
                attempt += 1  // a name (sAMAccountName or CN) taken by another account: the next one
            }
        }
        let dn = added
        do {
            try await dialect.finishCreate(new, dn: dn, in: self)
        } catch {
            // Never leave behind an account other than the one asked for.
            _ = try? await run(.create) { c in try await c.delete(dn: dn) }
            throw error
        }
        guard let created = try await entry(dn: dn) else {
            throw DirectoryFailure(.directoryError, "The account was created at \(dn) but cannot be read back; check the service account's read access.")
        }
        return created
    }

    /// One entry by DN, as a user (nil when it is gone or not a user).
    func entry(dn: String) async throws(DirectoryFailure) -> DirectoryUser? {
        let attrs = userAttributes
        let filter = dialect.userObjectFilter
        do {
            let entries = try await run { c in
                try await c.search(base: dn, scope: .base, filter: filter, attributes: attrs)
            }
            return entries.compactMap(user(from:)).first
        } catch let f where f.ldapResult == .noSuchObject {
            return nil
        }
    }

    // MARK: Filters

    static func hasControlCharacters(_ f: UserFilter) -> Bool {
        switch f {
        case .equals(_, let v): return v.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
        case .and(let fs), .or(let fs): return fs.contains(where: hasControlCharacters)
        }
    }

    /// Renders a validated filter with every value RFC 4515-escaped.
    func render(_ f: UserFilter) -> LDAPFilter {
        switch f {
        // An id that is not a UUID matches nothing, without being sent as a raw value.
        case .equals(.id, let v): return dialect.idFilter(v) ?? .none
        case .equals(.userName, let v): return .or(configuration.userNameAttributes.map { .equals($0, v) })
        case .equals(let a, let v): return .equals(dialect.attribute(a), v)
        case .and(let fs): return .and(fs.map(render))
        case .or(let fs): return .or(fs.map(render))
        }
    }
}

extension String {
    /// The filter without its outer blanks and one pair of outer parentheses.
    func trimmingBlanksAndParentheses() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        if s.first == "(", s.last == ")" { s = s.dropFirst().dropLast() }
        return String(s)
    }
}

/// What the server's root DSE says it supports, read once per process.
actor RootDSECache {
    private(set) var controls: Set<String>?
    func store(_ c: Set<String>) { controls = c }
}
