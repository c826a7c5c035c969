import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Append-only JSON Lines audit file with a hash chain: each record carries `seq` and `prev`, the
/// SHA-256 of the previous line, so an edited, removed or reordered line is detectable.
///
/// Opened `O_APPEND`, mode 0640, and `fsync`ed after every record before `record` returns.
public actor AuditLog: AuditSink {
    public static let genesis = String(repeating: "0", count: 64)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public nonisolated let path: String
    private var fd: Int32
    private var seq: UInt64
    private var prev: String
    private let clock: @Sendable () -> Date

    public init(path: String, clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.path = path
        self.clock = clock
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Failure(description: "cannot open audit log \(path): \(String(cString: strerror(errno)))") }
        self.fd = fd
        (seq, prev) = Self.tail(of: path)
    }

    deinit { close(fd) }

    public func record(_ event: AuditEvent) throws {
        let line = try Self.line(for: event, seq: seq + 1, prev: prev, time: clock())
        var bytes = Array(line.utf8)
        bytes.append(0x0a)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write audit log \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot fsync audit log \(path): \(String(cString: strerror(errno)))") }
        seq += 1
        prev = Self.hash(line)
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

    public static func hash(_ line: String) -> String {
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
}
