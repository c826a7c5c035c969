import Audit
import Directory
import Logging
import Secrets

/// The use-cases behind the SCIM endpoints. Depends only on the `Directory` and `AuditSink`
/// protocols, so it is tested with in-memory fakes; its errors are `SyncError`s, which the Server
/// turns into protocol answers.
package final class PasswordSyncService: Sendable {
    let directory: any Directory
    let audit: any AuditSink
    let logger: Logger
    let locks = UserLocks()
    package let policy: SyncPolicy
    let written = WriteMemory()
    let doubts = UserDoubts()
    /// Failures before the user is found (directory down): audited, one record per reason and
    /// interval plus a count, so an outage does not flood the log.
    let lookupFailures: AuditSummarizer

    package init(directory: any Directory, audit: any AuditSink, policy: SyncPolicy = .init(),
                logger: Logger = Logger(label: "pwsync.sync")) {
        self.directory = directory
        self.audit = audit
        self.policy = policy
        self.logger = logger
        self.lookupFailures = AuditSummarizer(sink: audit)
    }

    /// Writes the counts of summarized decisions whose interval ended (run periodically).
    package func flushSummaries(all: Bool = false) async { await lookupFailures.flush(all: all) }

    /// What this configuration lets pwsync do, for the discovery endpoints.
    package var capabilities: SyncCapabilities {
        SyncCapabilities(createUsers: directory.creationBase != nil, disableAccounts: policy.disableAccounts,
                         profileAttributes: directory.profileAttributes)
    }

    /// True when the directory answers on a bound connection right now.
    package func directoryReady() async -> Bool {
        do { try await directory.probe(); return true } catch { return false }
    }

    // MARK: Reads

    /// The users `filter` matches (all under the base when nil), in a stable order.
    package func listUsers(filter: UserFilter?) async throws(SyncError) -> [DirectoryUser] {
        try await directoryCall { () async throws(DirectoryFailure) in try await directory.findUsers(filter) }
    }

    package func getUser(id: String) async throws(SyncError) -> DirectoryUser {
        try await requireUser(id)
    }

    // MARK: Audited directory writes

    /// One directory write with its audit trail: `push_received` first (if that cannot be written,
    /// nothing is written), then `applied`, `rejected` or `deferred`. A user with a write in doubt
    /// gets no other write until it is settled; a write this call leaves in doubt is awaited in
    /// the background (see `awaitLateOutcome`). `fingerprint` is what Okta pushed, remembered if
    /// that write lands late; `relock` is the account to lock again if it does (it was disabled).
    func audited<T: Sendable>(_ template: AuditEvent, started: ContinuousClock.Instant,
                              fingerprint: WriteMemory.Fingerprint? = nil, relock: DirectoryUser? = nil,
                              _ write: () async throws(DirectoryFailure) -> (T, PasswordWriteReport?),
                              report annotate: (inout AuditEvent, T, PasswordWriteReport?) -> Void = { _, _, _ in }) async throws(SyncError) -> T {
        try await refuseWhileInDoubt(template)
        var event = template.decided(.received)
        do {
            try await audit.record(event)
        } catch {
            logger.error("audit log unwritable; refusing the change", metadata: ["request_id": "\(event.requestID ?? "")", "error": "\(error)"])
            throw SyncError(.auditUnavailable, "pwsync cannot write its audit log, so it is not changing the directory right now. The request will be retried.",
                            isTransient: true)
        }
        do {
            let (value, report) = try await write()
            event.decide(.applied)
            event.resultCode = 0
            event.historyEnforced = report?.historyEnforced
            annotate(&event, value, report)
            event.latencyMs = Self.ms(since: started)
            await recordAfterWrite(event)
            logger.debug("directory updated", metadata: ["request_id": "\(event.requestID ?? "")", "user": "\(event.userName ?? "")",
                                                        "action": "\(event.action?.rawValue ?? "")"])
            return value
        } catch {
            event.decide(AuditEvent.Decision(error))
            event.resultCode = error.resultCode
            event.latencyMs = Self.ms(since: started)
            await recordAfterWrite(event)
            logger.notice("directory not updated", metadata: ["request_id": "\(event.requestID ?? "")", "user": "\(event.userName ?? "")",
                                                              "action": "\(event.action?.rawValue ?? "")", "reason": "\(error.reason.rawValue)"])
            if let pending = error.pending, let user = event.userID {
                doubts.begin(user.lowercased())
                awaitLateOutcome(pending, of: event, fingerprint: fingerprint, relock: relock)
            }
            throw SyncError(error)
        }
    }

    /// While a write for this user is in doubt, no other is sent: it could land after this one.
    func refuseWhileInDoubt(_ template: AuditEvent) async throws(SyncError) {
        guard let user = template.userID, doubts.contains(user.lowercased()) else { return }
        await recordDecision(template.decided(.deferred(.writeInDoubt)))
        throw SyncError(.writeInDoubt,
                        "An earlier password write for this user got no answer from the directory and may still be applied; pwsync sends nothing more for this user until it knows. The push will be retried.",
                        isTransient: true)
    }

    /// Waits, in the background, for the fate of a write left in doubt; audits it (`applied_late`,
    /// `rejected_late` or `doubt_lifted`), then takes the user's writes again. A password that
    /// landed is remembered, so Okta's retry of it is answered "unchanged".
    func awaitLateOutcome(_ pending: PendingWrite, of unknown: AuditEvent, fingerprint: WriteMemory.Fingerprint?, relock: DirectoryUser?) {
        Task.detached { [self] in
            let outcome = await pending.outcome()
            var late = unknown
            late.latencyMs = nil
            late.resultCode = nil
            switch outcome {
            case .applied(let after):
                late.decide(.appliedLate(nil))
                late.resultCode = 0
                if let fingerprint, let user = late.userID, let after { written.remember(fingerprint, for: user, stamp: after.changeMarker) }
            case .refused(let failure):
                late.decide(.rejectedLate(AuditEvent.Reason(failure.reason)))
                late.resultCode = failure.resultCode
            case .markerMoved:
                late.decide(.appliedLate(.changeMarkerMoved))
            case .notApplied:
                late.decide(.doubtLifted)
            }
            await recordAfterWrite(late)
            logger.notice("write in doubt settled", metadata: ["request_id": "\(late.requestID ?? "")", "user": "\(late.userName ?? "")",
                                                               "event": "\(late.event.rawValue)"])
            if let relock, case .applied = outcome { _ = try? await directory.setActive(false, of: relock) }
            if let relock, case .markerMoved = outcome { _ = try? await directory.setActive(false, of: relock) }
            if let user = late.userID { doubts.lift(user.lowercased(), outcome) }
        }
    }

    /// Users with a write in doubt right now (for tests and status).
    package var usersInDoubt: Int { doubts.count }

    /// The outcome record. The directory write has already happened, so a failure here cannot undo
    /// it; it is logged loudly, and the `push_received` record already in the log shows the attempt.
    func recordAfterWrite(_ event: AuditEvent) async {
        do { try await audit.record(event) } catch {
            logger.critical("audit log write failed after a directory write", metadata: ["request_id": "\(event.requestID ?? "")", "error": "\(error)"])
        }
    }

    /// A decision that changed nothing in the directory (refused request, skipped change).
    func recordDecision(_ event: AuditEvent) async {
        do { try await audit.record(event) } catch {
            logger.error("audit log write failed", metadata: ["request_id": "\(event.requestID ?? "")", "error": "\(error)"])
        }
    }

    // MARK: Helpers

    func requireUser(_ id: String, request: RequestInfo? = nil, operation: Operation? = nil) async throws(SyncError) -> DirectoryUser {
        let found: DirectoryUser?
        do {
            found = try await directory.user(id: id)
        } catch {
            if let request, let operation {
                var event = AuditEvent(.received, request, operation).decided(AuditEvent.Decision(error))
                event.userID = id
                event.resultCode = error.resultCode
                await lookupFailures.record(event, key: "lookup:\(error.reason.rawValue)")
            }
            throw SyncError(error)
        }
        guard let found else {
            if let request, let operation {
                var event = AuditEvent(.rejected(.userNotFound), request, operation)
                event.userID = id
                await recordDecision(event)
            }
            throw SyncError(.directory(.userNotFound),
                            "No user with id '\(id)' under \(directory.searchBase). Ids are the directory's \(directory.idAttribute) as returned by GET /Users.")
        }
        return found
    }

    func directoryCall<T>(_ body: () async throws(DirectoryFailure) -> T) async throws(SyncError) -> T {
        do { return try await body() } catch { throw SyncError(error) }
    }

    static func ms(since start: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - start
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
}
