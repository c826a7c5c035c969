/// The audit log's group commit, apart from the file: when an `fsync` must be scheduled, which
/// writers it covers, and which fail when it fails. `AuditLog` feeds it events and performs what
/// it returns (swift-nio's pattern); it is unit-tested without a disk.
///
/// Writers are named by an id the log gives them; `seq` is the chain position of their record.
/// One `fsync` runs at a time; it covers everything written when it starts, so writers that
/// arrive meanwhile share the next one.
struct GroupCommit: Sendable {
    /// What follows once a writer's line is written.
    enum Turn: Equatable {
        /// Its record is already on disk: it returns.
        case done
        /// It waits, and no `fsync` is pending: schedule one, then report `synced`.
        case scheduleSync
        /// It waits for the `fsync` already pending (or the next one); it is told in an `Outcome`.
        case wait
    }

    /// What a finished `fsync` means for the writers waiting.
    struct Outcome: Equatable {
        /// Their records are on disk: they return.
        var done: [UInt64] = []
        /// Their records were cut off the file: they fail.
        var failed: [UInt64] = []
        /// Writers are still waiting (written after the `fsync` started): schedule the next one.
        var syncAgain = false
    }

    /// Every record up to this one is on disk.
    private(set) var durableSeq: UInt64
    /// An `fsync` is scheduled or running (it reports back with `synced`).
    private(set) var syncing = false
    private var waiting: [(writer: UInt64, seq: UInt64)] = []

    init(durableSeq: UInt64) { self.durableSeq = durableSeq }

    var waitingCount: Int { waiting.count }

    /// `writer`'s record, number `seq`, is written.
    mutating func written(_ seq: UInt64, by writer: UInt64) -> Turn {
        guard durableSeq < seq else { return .done }
        waiting.append((writer, seq))
        guard syncing else {
            syncing = true
            return .scheduleSync
        }
        return .wait
    }

    /// The `fsync` that covered every record up to `target` ended.
    mutating func synced(upTo target: UInt64, succeeded: Bool) -> Outcome {
        syncing = false
        var outcome = Outcome()
        if succeeded {
            outcome.done = markDurable(target)
        } else if target > durableSeq {
            outcome.failed = cutBack()
        }
        if !waiting.isEmpty {
            outcome.syncAgain = true
            syncing = true
        }
        return outcome
    }

    /// Records up to `target` are on disk (an `fsync`, or a direct `sync` before a rotation or a
    /// reopen): the writers they cover return.
    mutating func markDurable(_ target: UInt64) -> [UInt64] {
        durableSeq = max(durableSeq, target)
        let covered = waiting.filter { $0.seq <= durableSeq }.map(\.writer)
        waiting.removeAll { $0.seq <= durableSeq }
        return covered
    }

    /// A failed `fsync` leaves every record after the durable one in doubt: the file is cut back to
    /// it, so each writer still waiting fails.
    mutating func cutBack() -> [UInt64] {
        let failed = waiting.map(\.writer)
        waiting.removeAll()
        return failed
    }
}
