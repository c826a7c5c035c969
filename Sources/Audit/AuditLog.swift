import Crypto
import Foundation
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
public actor AuditLog: AuditSink {
    public static let genesis = String(repeating: "0", count: 64)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// When records reach the disk.
    public enum SyncPolicy: Sendable, Equatable {
        /// `fsync` before every `record` returns (default).
        case everyRecord
        /// `fsync` once `records` lines are unsynced or `interval` has passed since the last sync,
        /// whichever comes first (bounded loss on power failure, higher throughput).
        case batched(records: Int, interval: Duration)
    }

    public struct Options: Sendable {
        public var sync: SyncPolicy
        /// Rotate when the file would grow past this many bytes (nil = never; logrotate may do it).
        public var maxBytes: Int?
        /// Rotated files kept: `audit.jsonl.1` (newest) … `audit.jsonl.<keep>`.
        public var keep: Int

        public init(sync: SyncPolicy = .everyRecord, maxBytes: Int? = nil, keep: Int = 10) {
            self.sync = sync
            self.maxBytes = maxBytes
            self.keep = keep
        }
    }

    /// A one-line view of each record, for the system journal.
    public typealias Summary = @Sendable (_ event: AuditEvent, _ seq: UInt64, _ hash: String) -> Void

    public nonisolated let path: String
    let options: Options
    private var fd: Int32
    private var size: Int
    private var seq: UInt64
    private var prev: String
    private var unsynced = 0
    private var lastSync = ContinuousClock.now
    private let clock: @Sendable () -> Date
    private let summary: Summary?

    public init(path: String, options: Options = .init(), clock: @escaping @Sendable () -> Date = { Date() },
                summary: Summary? = nil) throws {
        self.path = path
        self.options = options
        self.clock = clock
        self.summary = summary
        (fd, size) = try Self.open(path)
        // Continue the chain: from this file, or from the newest rotated one when this one is new.
        var tail = Self.tail(of: path)
        if tail.0 == 0 { tail = Self.tail(of: "\(path).1") }
        (seq, prev) = tail
    }

    deinit { close(fd) }

    static func open(_ path: String) throws -> (Int32, Int) {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Failure(description: "cannot open audit log \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        fstat(fd, &st)
        return (fd, Int(st.st_size))
    }

    public func record(_ event: AuditEvent) throws {
        let line = try Self.line(for: event, seq: seq + 1, prev: prev, time: clock())
        var bytes = Array(line.utf8)
        bytes.append(0x0a)
        if let max = options.maxBytes, size > 0, size + bytes.count > max { try rotate() }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write audit log \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        size += written
        unsynced += 1
        try syncIfDue()
        seq += 1
        prev = Self.hash(line)
        summary?(event, seq, prev)
    }

    private func syncIfDue() throws {
        switch options.sync {
        case .everyRecord:
            try sync()
        case .batched(let records, let interval):
            if unsynced >= records || ContinuousClock.now - lastSync >= interval { try sync() }
        }
    }

    /// Flushes unsynced records; also called periodically under the batched policy.
    public func sync() throws {
        guard unsynced > 0 else { return }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot fsync audit log \(path): \(String(cString: strerror(errno)))") }
        unsynced = 0
        lastSync = .now
    }

    /// Reopens `path` (after logrotate renamed it); the chain continues into the new file.
    public func reopen() throws {
        try sync()
        let (newFD, newSize) = try Self.open(path)
        close(fd)
        fd = newFD
        size = newSize
    }

    /// Size rotation: audit.jsonl → .1 → .2 …, dropping the oldest beyond `keep`.
    private func rotate() throws {
        try sync()
        let fm = FileManager.default
        try? fm.removeItem(atPath: "\(path).\(options.keep)")
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
    }

    static func line(for event: AuditEvent, seq: UInt64, prev: String, time: Date) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var object = try JSONSerialization.jsonObject(with: encoder.encode(event)) as? [String: Any] ?? [:]
        object["time"] = RFC3339.string(time)
        object["seq"] = seq
        object["prev"] = prev
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    public static func hash(_ line: some StringProtocol) -> String {
        SHA256.hash(data: Array(line.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Continues the chain of an existing file: the last record's `seq` and hash.
    static func tail(of path: String) -> (UInt64, String) {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return (0, genesis) }
        let lines = data.split(separator: 0x0a)
        guard let last = lines.last,
              let obj = try? JSONSerialization.jsonObject(with: Data(last)) as? [String: Any],
              let seq = (obj["seq"] as? NSNumber)?.uint64Value
        else { return (0, genesis) }
        return (seq, hash(String(decoding: last, as: UTF8.self)))
    }
}

/// UTC RFC 3339 with milliseconds: `2026-11-29T05:22:53.123Z`.
public enum RFC3339 {
    public static func string(_ date: Date) -> String {
        let totalMs = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var secs = time_t(totalMs / 1000)
        let ms = Int(totalMs % 1000)
        var tm = tm()
        gmtime_r(&secs, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), ms)
    }

    /// Parses `2026-11-29T05:22:53.123Z`, `2026-11-29T05:22:53Z` or a bare date `2026-11-29` (UTC).
    public static func parse(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withFullDate]
        return f.date(from: s)
    }
}
