import Audit
import Directory
import Logging

/// A `[[rotation]]` entry: the accounts of a `random` scope get a fresh password once theirs is
/// `intervalSeconds` old, at most `perMinute` accounts a minute.
package struct RotationSchedule: Sendable, Equatable {
    package var scope: String
    package var intervalSeconds: Int64
    package var perMinute: Int

    package init(scope: String, intervalSeconds: Int64, perMinute: Int) {
        self.scope = scope
        self.intervalSeconds = intervalSeconds
        self.perMinute = perMinute
    }
}

/// Runs the schedules inside the daemon. When an account is due comes from the directory's own
/// record of its last password change (`pwdLastSet`, `pwdChangedTime`), so a restart neither
/// repeats nor forgets a rotation. A failed account is tried again with backoff (1 min doubling
/// to 1 h); each attempt is audited by the write itself.
package actor RotationRunner {
    let service: PasswordSyncService
    let schedules: [RotationSchedule]
    let logger: Logger
    let clock: @Sendable () -> Int64
    /// Account id → failures so far and when it may be tried again.
    private var backoff: [String: (failures: Int, at: Int64)] = [:]

    package init(service: PasswordSyncService, schedules: [RotationSchedule], logger: Logger = Logger(label: "pwsync.rotation"),
                clock: @escaping @Sendable () -> Int64) {
        self.service = service
        self.schedules = schedules
        self.logger = logger
        self.clock = clock
    }

    /// Until cancelled: a pass, then a sleep until the next account falls due (at most 5 minutes,
    /// so new scope members and policy changes are seen).
    package func run() async {
        while !Task.isCancelled {
            let wait = await pass()
            try? await Task.sleep(for: .seconds(wait))
        }
    }

    /// One pass over every schedule. Returns the seconds until the next account is due.
    package func pass() async -> Int64 {
        var next: Int64 = 300
        for schedule in schedules {
            let request = RequestInfo(requestID: "rotation-\(schedule.scope)-\(clock())", client: "scheduler", principal: "rotation:\(schedule.scope)")
            let accounts: [DirectoryUser]
            do {
                let (found, missing) = try await service.accounts(.scope(schedule.scope))
                accounts = found
                if !missing.isEmpty {
                    logger.warning("rotation: scope names accounts the directory does not have", metadata: [
                        "scope": "\(schedule.scope)", "missing": "\(missing.joined(separator: ", "))",
                    ])
                }
            } catch {
                logger.warning("rotation: cannot list the scope's accounts", metadata: ["scope": "\(schedule.scope)", "reason": "\(error.detail)"])
                next = min(next, 60)
                continue
            }
            let spacing = 60.0 / Double(max(1, schedule.perMinute))
            var rotated = 0, failed = 0
            for account in accounts {
                if Task.isCancelled { return 0 }
                let now = clock()
                if let b = backoff[account.id], b.at > now {
                    next = min(next, b.at - now)
                    continue
                }
                if let changed = account.passwordChangedAt, now - changed < schedule.intervalSeconds {
                    next = min(next, changed + schedule.intervalSeconds - now)
                    continue
                }
                switch await service.rotate(account, request: request, olderThan: schedule.intervalSeconds, now: now) {
                case .rotated:
                    backoff[account.id] = nil
                    rotated += 1
                    try? await Task.sleep(for: .milliseconds(Int64(spacing * 1000)))
                case .failed(let reason, let transient):
                    let failures = (backoff[account.id]?.failures ?? 0) + 1
                    let delay = min(Int64(60) << Int64(min(failures - 1, 6)), 3600)
                    backoff[account.id] = (failures, now + delay)
                    next = min(next, delay)
                    failed += 1
                    logger.error("rotation failed; trying again later", metadata: [
                        "scope": "\(schedule.scope)", "user": "\(account.userName)", "reason": "\(reason)",
                        "transient": "\(transient)", "retry_in_seconds": "\(delay)",
                    ])
                case .skipped, .due:
                    break
                }
            }
            if rotated + failed > 0 {
                logger.notice("rotation pass", metadata: ["scope": "\(schedule.scope)", "rotated": "\(rotated)", "failed": "\(failed)"])
            }
        }
        return max(1, next)
    }
}
