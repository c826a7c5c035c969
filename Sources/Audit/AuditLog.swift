import Executors
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Append-only JSON Lines audit file with a hash chain: each record carries `seq` and `prev`, the
/// SHA-256 of the previous line, so an edited, removed or reordered line is detectable.
///
/// The chain continues across files: after a size rotation or a SIGHUP reopen (logrotate), the
/// first record of the new file carries the hash of the last record of the previous one.
/// Opened `O_APPEND`, mode 0640; `record` returns once the line is written and, under the default
/// policy, `fsync`ed.
///
/// The actor runs on its own serial queue, as `LDAPConnection` does: `write` and `fsync` block,
/// and on the cooperative pool (two threads on two cores) they would stall every other push.
package actor AuditLog: AuditSink {
    package static let genesis = String(repeating: "0", count: 64)

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// Another process already writes this log (a second `pwsync serve` with the same config).
    package struct Locked: Error, CustomStringConvertible {
        package let path: String
        package var description: String { "another pwsync process is writing the audit log \(path) (lock \(path).lock); not starting a second writer" }
    }

    /// When records reach the disk.
    package enum SyncPolicy: Sendable, Equatable {
        /// `fsync` before every `record` returns (default).
        case everyRecord
        /// `fsync` once `records` lines are unsynced or `interval` has passed since the last sync,
        /// whichever comes first (bounded loss on power failure, higher throughput).
        case batched(records: Int, interval: Duration)
    }

    package struct Options: Sendable {
        package var sync: SyncPolicy
        /// Rotate when the file would grow past this many bytes (nil = never; logrotate may do it).
        package var maxBytes: Int?
        /// Rotated files kept: `audit.jsonl.1` (newest) … `audit.jsonl.<keep>`.
        package var keep: Int

        package init(sync: SyncPolicy = .everyRecord, maxBytes: Int? = nil, keep: Int = 10) {
            self.sync = sync
            self.maxBytes = maxBytes
            self.keep = keep
        }
    }

    /// A one-line view of each record, for the system journal.
    package typealias Summary = @Sendable (_ event: AuditEvent, _ seq: UInt64, _ hash: String) -> Void

    /// Forward-secure sealing: each record carries a MAC under the current epoch's key, which
    /// evolves (on disk and in memory) when the epoch ends. See docs/audit-sealing.md.
    package struct Sealing: Sendable {
        package var key: SealKey
        package var keyFile: String
        /// Called with each closed epoch's seal (epoch, seq and hash of its `seal` record), to be
        /// shipped off the host (the journal).
        package var anchor: (@Sendable (_ epoch: UInt64, _ seq: UInt64, _ hash: String) -> Void)?

        package init(key: SealKey, keyFile: String, anchor: (@Sendable (UInt64, UInt64, String) -> Void)? = nil) {
            self.key = key
            self.keyFile = keyFile
            self.anchor = anchor
        }
    }

    package nonisolated let path: String
    let options: Options
    private var fd: Int32
    private var size: Int
    private var seq: UInt64
    private var prev: String
    private var lastSync = ContinuousClock.now
    private let clock: @Sendable () -> Date
    private nonisolated let summary: Summary?
    /// `fsync`, replaceable so tests can make it fail.
    private nonisolated let syncFile: @Sendable (Int32) -> Int32
    private var sealing: Sealing?
    private nonisolated let executor = QueueExecutor(label: "pwsync.audit")
    package nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// How far the file is known to be on disk: everything up to `seq`, `size` bytes of file
    /// number `generation` (a rotation or reopen starts the next one).
    struct Mark: Sendable {
        var size: Int
        var seq: UInt64
        var prev: String
        var generation: Int
    }
    private var durable: Mark
    private var generation = 0
    /// When the next `fsync` is scheduled and whom it covers (the decisions; this actor does the I/O).
    private var commits: GroupCommit
    /// Writers waiting for the `fsync` that covers their record, by the id `commits` knows them by,
    /// with what their `record` returns.
    private var waiters: [UInt64: (Written, CheckedContinuation<Written, any Error>)] = [:]
    private var nextWriter: UInt64 = 0

    /// A record's place in the chain: seq, hash, time.
    typealias Written = (seq: UInt64, hash: String, time: String)
    /// A writer to resume, and with what. Resumed by the queued job after it has let go of the log,
    /// so a writer that drops the last reference closes the file before its `record` returns.
    typealias Resumption = (waiter: CheckedContinuation<Written, any Error>, result: Result<Written, any Error>)

    package init(path: String, options: Options = .init(), clock: @escaping @Sendable () -> Date = { Date() },
                summary: Summary? = nil, sealing: Sealing? = nil) throws {
        try self.init(path: path, options: options, clock: clock, summary: summary, sealing: sealing, syncFile: { fsync($0) })
    }

    init(path: String, options: Options, clock: @escaping @Sendable () -> Date, summary: Summary?, sealing: Sealing? = nil,
         syncFile: @escaping @Sendable (Int32) -> Int32) throws {
        self.path = path
        self.options = options
        self.clock = clock
        self.summary = summary
        self.sealing = sealing
        self.syncFile = syncFile
        // One writer per log, taken before anything is written: a second instance leaves it untouched.
        lockFD = Glibc.open("\(path).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard lockFD >= 0 else { throw Failure(description: "cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            close(lockFD)
            throw Locked(path: path)
        }
        (fd, size) = try Self.open(path)
        // Continue the chain: from this file, or from the newest rotated one when this one is new.
        var tail = Self.tail(of: path)
        if tail.0 == 0 { tail = Self.tail(of: "\(path).1") }
        (seq, prev) = tail
        durable = Mark(size: size, seq: seq, prev: prev, generation: 0)
        commits = GroupCommit(durableSeq: seq)
    }

    /// Held with an exclusive `flock` for the life of this writer.
    private let lockFD: Int32

    deinit {
        close(fd)
        close(lockFD)
    }

    /// False after a write or sync failed, until one succeeds again (for /readyz).
    package private(set) var isWritable = true

    static func open(_ path: String) throws -> (Int32, Int) {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Failure(description: "cannot open audit log \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        fstat(fd, &st)
        return (fd, Int(st.st_size))
    }

    /// Returns once the record is on disk (default policy) or written (batched policy). The line is
    /// encoded on the caller's thread; the record then takes one hop onto the log's queue, and the
    /// writer is resumed from there once its `fsync` is done. Under the default policy, records
    /// that arrive while an `fsync` runs share the next one.
    public nonisolated func record(_ event: AuditEvent) async throws {
        let bounded = event.bounded()
        let body = AuditCoding.body(bounded)
        let written = try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Written, any Error>) in
            executor.run { [weak self] in
                guard let resumptions = self?.assumeIsolated({ $0.commit(body, waiter) }) else {
                    return waiter.resume(throwing: Failure(description: "the audit log was closed"))
                }
                for r in resumptions { r.waiter.resume(with: r.result) }
            }
        }
        if let summary {
            var e = bounded
            e.time = written.time
            e.seq = written.seq
            summary(e, written.seq, written.hash)
        }
    }

    private func commit(_ body: [UInt8], _ waiter: CheckedContinuation<Written, any Error>) -> [Resumption] {
        let written: Written
        do {
            let now = clock()
            try closeEpochIfDue(at: now)
            written = try append(body, at: now)
        } catch {
            return [(waiter, .failure(error))]
        }
        switch options.sync {
        case .everyRecord:
            nextWriter += 1
            switch commits.written(written.seq, by: nextWriter) {
            case .done: return [(waiter, .success(written))]
            case .wait: waiters[nextWriter] = (written, waiter)
            case .scheduleSync:
                waiters[nextWriter] = (written, waiter)
                scheduleSync()
            }
            return []
        case .batched(let records, let interval):
            do {
                if Int(self.seq - durable.seq) >= records || ContinuousClock.now - lastSync >= interval { try sync() }
                return [(waiter, .success(written))]
            } catch {
                return [(waiter, .failure(error))]
            }
        }
    }

    /// The group commit's `fsync`, queued behind the records already waiting for this actor, so
    /// one `fsync` covers them all.
    private func scheduleSync() {
        executor.run { [weak self] in
            let resumptions = self?.assumeIsolated { $0.runSync() } ?? []
            for r in resumptions { r.waiter.resume(with: r.result) }
        }
    }

    /// True while records are sealed.
    package var isSealing: Bool { sealing != nil }

    /// Closes the current epoch if the clock has left it: a `seal` record under the ending
    /// epoch's key, its anchor, then the key evolves and the old one is overwritten on disk.
    /// Run periodically too, so an idle log still gets one seal per epoch.
    package func closeEpochIfDue() throws {
        try closeEpochIfDue(at: clock())
    }

    private func closeEpochIfDue(at now: Date) throws {
        guard var s = sealing else { return }
        let target = s.key.epoch(at: now)
        guard target > s.key.epoch else { return }
        try appendInternal(AuditEvent(.seal, outcome: .success), at: now)
        s.anchor?(s.key.epoch, seq, prev)
        s.key.evolve(to: target)
        sealing = s
        do {
            try SealKeyFile.store(s.keyFile, s.key)
        } catch {
            // A key that cannot be overwritten must not be used any further.
            try stopSealing()
        }
    }

    /// Stops sealing and says so in a last sealed record; records go on, chained.
    package func stopSealing() throws {
        guard sealing != nil else { return }
        defer { sealing = nil }
        try appendInternal(AuditEvent(.sealingStopped, outcome: .failure, reason: .sealKeyUnavailable), at: clock())
    }

    /// A record of the log's own (seal, rotation): written and synced before anything follows it.
    private func appendInternal(_ event: AuditEvent, at now: Date) throws {
        var record = event
        let (seq, hash, time) = try append(AuditCoding.body(record), at: now)
        try sync()
        record.time = time
        record.seq = seq
        summary?(record, seq, hash)
    }

    /// Writes one line (rotating first when it would outgrow the file). Whatever fails, the file
    /// is cut back to the last whole record, so the chain stays verifiable and the next record
    /// reuses this seq.
    private func append(_ body: [UInt8], at now: Date) throws -> (UInt64, String, String) {
        let time = RFC3339.string(now)
        let payload = AuditCoding.payload(body: body, time: time, seq: seq + 1, prev: prev, epoch: sealing?.key.epoch)
        var line = sealing.map { AuditCoding.sealed(payload, mac: $0.key.mac(payload)) } ?? payload
        if let max = options.maxBytes, size > 0, size + line.count + 1 > max {
            if let dropped = try rotate() { try appendInternal(AuditEvent(.rotatedAway, dropped: dropped), at: now) }
            return try append(body, at: now)
        }
        let hash = AuditCoding.hash(line)
        line.append(0x0a)
        let before = size
        do {
            try writeAll(line)
        } catch {
            _ = ftruncate(fd, off_t(before))
            size = before
            isWritable = false
            throw error
        }
        isWritable = true
        seq += 1
        prev = hash
        return (seq, hash, time)
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write audit log \(path): \(String(cString: strerror(errno)))")
            }
            written += n
            size += n
        }
    }

    private var current: Mark { Mark(size: size, seq: seq, prev: prev, generation: generation) }

    /// The `fsync` covering everything written so far: the writers it covered return (or get the
    /// error, the file cut back to its last durable record), and writers still waiting get the next.
    private func runSync() -> [Resumption] {
        let target = current
        let rc = durable.seq >= target.seq ? 0 : syncFile(fd)
        let failure = rc == 0 ? nil : Failure(description: "cannot fsync audit log \(path): \(String(cString: strerror(errno)))")
        let outcome = commits.synced(upTo: target.seq, succeeded: rc == 0)
        var resumptions: [Resumption] = []
        if let failure, !outcome.failed.isEmpty {
            cutBackFile()
            resumptions += outcome.failed.compactMap { waiters.removeValue(forKey: $0).map { ($0.1, .failure(failure)) } }
        } else if rc == 0, target.seq > durable.seq {
            noteDurable(target)
        }
        resumptions += outcome.done.compactMap { waiters.removeValue(forKey: $0).map { ($0.1, .success($0.0)) } }
        if outcome.syncAgain { scheduleSync() }
        return resumptions
    }

    /// Records up to `mark` are on disk (a direct `sync`): their writers go on.
    private func markDurable(_ mark: Mark) {
        noteDurable(mark)
        for w in commits.markDurable(mark.seq) { if let (written, waiter) = waiters.removeValue(forKey: w) { waiter.resume(returning: written) } }
    }

    private func noteDurable(_ mark: Mark) {
        durable = mark
        lastSync = .now
        isWritable = true
    }

    /// A failed direct `sync`: the records since the last durable one are cut off, and every
    /// writer still waiting gets the error.
    private func cutBack(_ error: Failure) {
        cutBackFile()
        for w in commits.cutBack() { waiters.removeValue(forKey: w)?.1.resume(throwing: error) }
    }

    /// The file back to its last durable record; the chain continues from there.
    private func cutBackFile() {
        if durable.generation == generation {
            _ = ftruncate(fd, off_t(durable.size))
            size = durable.size
        }
        seq = durable.seq
        prev = durable.prev
        isWritable = false
    }

    /// Flushes unsynced records now; also called periodically under the batched policy.
    package func sync() throws {
        guard durable.seq < seq else { return }
        guard syncFile(fd) == 0 else {
            let error = Failure(description: "cannot fsync audit log \(path): \(String(cString: strerror(errno)))")
            cutBack(error)
            throw error
        }
        markDurable(current)
    }

    /// Reopens `path` (after logrotate renamed it); the chain continues into the new file.
    package func reopen() throws {
        try sync()
        let (newFD, newSize) = try Self.open(path)
        close(fd)
        fd = newFD
        size = newSize
        generation += 1
        durable = current
    }

    /// Size rotation: audit.jsonl → .1 → .2 …, dropping the oldest beyond `keep`. Returns what
    /// the dropped file held, to be recorded in the new file.
    private func rotate() throws -> AuditEvent.DroppedRecords? {
        try sync()
        let fm = FileManager.default
        let oldest = "\(path).\(options.keep)"
        let dropped = fm.fileExists(atPath: oldest) ? Self.summary(of: oldest) : nil
        try? fm.removeItem(atPath: oldest)
        if options.keep > 1 {
            for i in stride(from: options.keep - 1, through: 1, by: -1) where fm.fileExists(atPath: "\(path).\(i)") {
                guard rename("\(path).\(i)", "\(path).\(i + 1)") == 0 else {
                    throw Failure(description: "cannot rotate audit log \(path).\(i): \(String(cString: strerror(errno)))")
                }
            }
        }
        guard rename(path, "\(path).1") == 0 else {
            throw Failure(description: "cannot rotate audit log \(path): \(String(cString: strerror(errno)))")
        }
        try reopen()
        return dropped
    }

    /// What a file about to be deleted held: its first and last record, widened by the
    /// `rotated_away` record it carries, so each one accounts for everything deleted before it.
    static func summary(of file: String) -> AuditEvent.DroppedRecords? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let lines = data.split(separator: 0x0a)
        guard let firstLine = lines.first, let lastLine = lines.last,
              let first = AuditCoding.record(firstLine), let last = AuditCoding.record(lastLine),
              let firstSeq = first.seq, let lastSeq = last.seq else { return nil }
        var summary = AuditEvent.DroppedRecords(firstSeq: firstSeq, lastSeq: lastSeq, headHash: AuditCoding.hash(lastLine),
                                                from: first.time, until: last.time)
        if let earlier = lines.lazy.compactMap({ AuditCoding.record($0) }).first(where: { $0.event == .rotatedAway })?.dropped,
           earlier.firstSeq < summary.firstSeq {
            summary.firstSeq = earlier.firstSeq
            summary.from = earlier.from
        }
        return summary
    }

    /// Continues the chain of an existing file: the last record's `seq` and hash. Reads backwards
    /// from the end, so start-up does not depend on the log's size.
    static func tail(of path: String) -> (UInt64, String) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return (0, genesis) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return (0, genesis) }
        let size = Int(st.st_size)
        var window = min(size, 8192)
        while true {
            var buf = [UInt8](repeating: 0, count: window)
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(size - window)) }
            guard n == window else { return (0, genesis) }
            var end = buf.count
            while end > 0, buf[end - 1] == 0x0a { end -= 1 }
            if let start = buf[..<end].lastIndex(of: 0x0a).map({ $0 + 1 }) ?? (window == size ? 0 : nil) {
                let last = buf[start..<end]
                guard let r = AuditCoding.record(last), let seq = r.seq else { return (0, genesis) }
                return (seq, AuditCoding.hash(last))
            }
            window = min(size, window * 4)
        }
    }
}
