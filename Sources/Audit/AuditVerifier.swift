import Foundation

/// Checks a hash-chained audit log across its files (oldest first) and names the first break.
public enum AuditVerifier {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case unreadable, truncated, malformed, edited, missing, reordered, startsMidChain = "starts_mid_chain"
        }
        public var kind: Kind
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(kind.rawValue): \(message)" }
    }

    public struct Report: Sendable {
        public var records = 0
        public var files: [String] = []
        public var firstSeq: UInt64?
        /// The last record's seq and hash: compare with an outside copy (the journal) to detect a cut tail.
        public var head: (seq: UInt64, hash: String)?
        public var problem: Problem?
        public var ok: Bool { problem == nil }
    }

    /// `partial` accepts a log whose oldest file starts after seq 1 (older files deleted by retention).
    public static func verify(files: [String], partial: Bool = false) -> Report {
        var report = Report()
        var expectedSeq: UInt64?
        var prevHash: String?
        var prevPlace: (String, Int)?
        for file in files {
            report.files.append(file)
            guard let data = FileManager.default.contents(atPath: file) else {
                report.problem = .init(kind: .unreadable, file: file, line: 0, message: "cannot read the file")
                return report
            }
            if data.isEmpty { continue }
            var lines = data.split(separator: 0x0a, omittingEmptySubsequences: false)
            if lines.last?.isEmpty == true { lines.removeLast() }
            let endsWithNewline = data.last == 0x0a
            for (i, raw) in lines.enumerated() {
                let n = i + 1
                let isLast = i == lines.count - 1
                guard let record = AuditCoding.record(raw), let seq = record.seq, let prev = record.prev else {
                    let kind: Problem.Kind = isLast && !endsWithNewline ? .truncated : .malformed
                    let message = kind == .truncated ? "the last record is cut off (the file was truncated)"
                                                     : "not a complete audit record (edited or corrupted)"
                    report.problem = .init(kind: kind, file: file, line: n, message: message)
                    return report
                }
                if isLast && !endsWithNewline {
                    report.problem = .init(kind: .truncated, file: file, line: n, message: "the last record has no line end (the file was truncated)")
                    return report
                }
                if let expected = expectedSeq {
                    if seq != expected {
                        let (kind, what): (Problem.Kind, String) = seq > expected
                            ? (.missing, "records \(expected)…\(seq - 1) are missing before this one")
                            : (.reordered, "seq \(seq) comes after seq \(expected - 1): records were reordered or repeated")
                        let gapFile = prevPlace.map { $0.0 != file ? " (between \($0.0) and this file: a rotated file may be missing)" : "" } ?? ""
                        report.problem = .init(kind: kind, file: file, line: n, message: what + gapFile)
                        return report
                    }
                    if prev != prevHash {
                        let place = prevPlace.map { "\($0.0):\($0.1)" } ?? "the previous record"
                        report.problem = .init(kind: .edited, file: file, line: n,
                                               message: "prev does not match the hash of \(place): that record was edited")
                        return report
                    }
                } else {
                    report.firstSeq = seq
                    if seq != 1 || prev != AuditLog.genesis {
                        if !partial {
                            report.problem = .init(kind: .startsMidChain, file: file, line: n,
                                                   message: "the log starts at seq \(seq), not 1: earlier records or files are missing (use --partial if older files were deleted on purpose)")
                            return report
                        }
                    }
                }
                report.records += 1
                expectedSeq = seq + 1
                prevHash = AuditCoding.hash(raw)
                prevPlace = (file, n)
                report.head = (seq, prevHash!)
            }
        }
        return report
    }

    /// The files of one log in chain order: `path.N` … `path.1`, then `path`.
    public static func chainFiles(for path: String) -> [String] {
        var rotated: [(Int, String)] = []
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? [] {
            guard name.hasPrefix(base + "."), let n = Int(name.dropFirst(base.count + 1)) else { continue }
            rotated.append((n, dir.isEmpty ? name : "\(dir)/\(name)"))
        }
        let files = rotated.sorted { $0.0 > $1.0 }.map(\.1)
        return FileManager.default.fileExists(atPath: path) ? files + [path] : files
    }
}
