/// The audit log's group commit, apart from the file: which writer leads the next `fsync`, which
/// writers it covers, and which fail when it fails. `AuditLog` feeds it events and performs what
/// it returns (swift-nio's pattern); it is unit-tested without a disk.
///
/// Writers are named by an id the log gives them; `seq` is the chain position of their record.
struct GroupCommit: Sendable {
    /// What a writer does once its line is written.
    enum Turn: Equatable {
        /// Its record is already on disk.
        case done
        /// Lead the next `fsync`, which covers everything written when it runs, then report `synced`.
        case lead
        /// Wait: a running `fsync` does not cover it; it is told later (`Outcome`).
        case wait
    }

    /// What a finished `fsync` means for the writers waiting.
    struct Outcome: Equatable {
        /// Their records are on disk: they return.
        var done: [UInt64] = []
        /// Their records were cut off the file: they fail.
        var failed: [UInt64] = []
        /// The first writer still waiting, which now leads the next `fsync`.
        var nextLeader: UInt64?
        /// The leader's own records were cut off (the `fsync` failed).
        var leaderFailed = false
    }

    /// Every record up to this one is on disk.
    private(set) var durableSeq: UInt64
    /// An `fsync` is running (its leader reports back with `synced`).
    private(set) var syncing = false
    private var waiting: [(writer: UInt64, seq: UInt64)] = []

    init(durableSeq: UInt64) { self.durableSeq = durableSeq }

    var waitingCount: Int { waiting.count }

    /// `writer`'s record, number `seq`, is written.
    mutating func written(_ seq: UInt64, by writer: UInt64) -> Turn {
        guard durableSeq < seq else { return .done }
        guard syncing else {
            syncing = true
            return .lead
        }
        waiting.append((writer, seq))
        return .wait
    }

    /// The leader's `fsync`, which covered every record up to `target`, ended.
    mutating func synced(upTo target: UInt64, succeeded: Bool) -> Outcome {
        syncing = false
        var outcome = Outcome()
        if target > durableSeq {
            if succeeded {
                outcome.done = markDurable(target)
            } else {
                outcome.failed = cutBack()
                outcome.leaderFailed = true
            }
        }
        if !waiting.isEmpty {
            outcome.nextLeader = waiting.removeFirst().writer
            syncing = true
        }
        return outcome
    }

    /// Records up to `target` reached the disk another way (a direct `sync`, before a rotation or
    /// a reopen): the writers they cover return.
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
