import FoundationEssentials
import PlainText

/// Checks a hash-chained audit log across its files (oldest first) and names the first break.
/// With the verification key it also checks every record's seal; with anchors shipped off the
/// host it proves the log still holds what it held when each anchor was sent.
package enum AuditVerifier {
    package struct Problem: Sendable, Equatable, CustomStringConvertible {
        package enum Kind: String, Sendable {
            case unreadable, truncated, malformed, edited, missing, reordered, startsMidChain = "starts_mid_chain"
            /// A MAC that does not verify under its epoch's key.
            case badSeal = "bad_seal"
            /// An unsealed record where sealing was on.
            case unsealed
            case epochBackwards = "epoch_backwards"
            /// An epoch ended without its `seal` record: records at its end were removed.
            case unclosedEpoch = "unclosed_epoch"
            /// The log does not hold the record an anchor names.
            case anchorMismatch = "anchor_mismatch"
        }
        package var kind: Kind
        package var file: String
        package var line: Int
        package var message: String
        package var description: String { "\(file):\(line): \(kind.rawValue): \(message)" }
    }

    package struct Report: Sendable {
        package var records = 0
        package var files: [String] = []
        package var firstSeq: UInt64?
        /// The last record's seq and hash: compare with an outside copy (the journal) to detect a cut tail.
        package var head: (seq: UInt64, hash: String)?
        package var problem: Problem?
        /// With a key: how many records carried a seal that verified, and the newest epoch seen.
        package var sealedRecords = 0
        package var lastSealedEpoch: UInt64?
        package var lastSealedTime: String?
        package var anchorsMatched = 0
        /// With `partial`: what is gone before the first record, and what the log says about it.
        package var gone: Gone?
        /// Findings that are not a broken log but a reviewer should read (an old head, say).
        package var notes: [String] = []
        package var ok: Bool { problem == nil }
    }

    package struct Gone: Sendable {
        package var count: UInt64
        /// `rotated_away` records found in the log, covering part or all of the gap.
        package var accounted: [AuditEvent.DroppedRecords]
        package var unaccounted: UInt64
    }

    /// An epoch's closing seal as shipped to the journal.
    package struct Anchor: Sendable, Equatable {
        package var epoch: UInt64?
        package var seq: UInt64
        package var hash: String
        package init(epoch: UInt64?, seq: UInt64, hash: String) {
            self.epoch = epoch
            self.seq = seq
            self.hash = hash
        }
    }

    /// `partial` accepts a log whose oldest file starts after seq 1 (older files deleted by retention).
    package static func verify(files: [String], partial: Bool = false, key: VerificationKey? = nil,
                              anchors: [Anchor] = [], now: Date = Date()) -> Report {
        var walk = Walk(partial: partial, seals: key.map { SealCheck(key: $0.sealKey()) })
        walk.keepHashes = !anchors.isEmpty
        for file in files {
            walk.report.files.append(file)
            guard let data = FileManager.default.contents(atPath: file) else {
                walk.fail(.unreadable, file, 0, "cannot read the file")
                return walk.report
            }
            if data.isEmpty { continue }
            var lines = data.split(separator: 0x0a, omittingEmptySubsequences: false)
            if lines.last?.isEmpty == true { lines.removeLast() }
            let endsWithNewline = data.last == 0x0a
            for (i, raw) in lines.enumerated() {
                let isLastLine = i == lines.count - 1
                if !walk.step(raw, file: file, line: i + 1, cutOff: isLastLine && !endsWithNewline) { return walk.report }
            }
        }
        walk.finish(anchors: anchors, key: key, now: now)
        return walk.report
    }

    /// The state carried from one record to the next.
    struct Walk {
        let partial: Bool
        var seals: SealCheck?
        var keepHashes = false
        var report = Report()
        var expectedSeq: UInt64?
        var prevHash: String?
        var prevPlace: (String, Int)?
        var hashes: [UInt64: String] = [:]
        var dropped: [AuditEvent.DroppedRecords] = []
        var lastEvent: AuditEvent?

        mutating func fail(_ kind: Problem.Kind, _ file: String, _ line: Int, _ message: String) {
            report.problem = .init(kind: kind, file: file, line: line, message: message)
        }

        /// Checks one line; false once a problem is found.
        mutating func step(_ raw: Data.SubSequence, file: String, line n: Int, cutOff: Bool) -> Bool {
            guard let record = AuditCoding.record(raw), let seq = record.seq, let prev = record.prev else {
                if cutOff { fail(.truncated, file, n, "the last record is cut off (the file was truncated)") }
                else { fail(.malformed, file, n, "not a complete audit record (edited or corrupted)") }
                return false
            }
            if cutOff {
                fail(.truncated, file, n, "the last record has no line end (the file was truncated)")
                return false
            }
            if let expected = expectedSeq {
                if seq != expected {
                    let (kind, what): (Problem.Kind, String) = seq > expected
                        ? (.missing, "records \(expected)…\(seq - 1) are missing before this one")
                        : (.reordered, "seq \(seq) comes after seq \(expected - 1): records were reordered or repeated")
                    let gapFile = prevPlace.map { $0.0 != file ? " (between \($0.0) and this file: a rotated file may be missing)" : "" } ?? ""
                    fail(kind, file, n, what + gapFile)
                    return false
                }
                if prev != prevHash {
                    let place = prevPlace.map { "\($0.0):\($0.1)" } ?? "the previous record"
                    fail(.edited, file, n, "prev does not match the hash of \(place): that record was edited")
                    return false
                }
            } else {
                report.firstSeq = seq
                if seq != 1 || prev != AuditLog.genesis {
                    if !partial {
                        fail(.startsMidChain, file, n,
                             "the log starts at seq \(seq), not 1: earlier records or files are missing (use --partial if older files were deleted on purpose)")
                        return false
                    }
                }
            }
            if var s = seals {
                if let (kind, message) = s.check(record, raw) {
                    fail(kind, file, n, message)
                    return false
                }
                seals = s
            }
            if let d = record.dropped, record.event == .rotatedAway { dropped.append(d) }
            report.records += 1
            expectedSeq = seq + 1
            let hash = AuditCoding.hash(raw)
            prevHash = hash
            prevPlace = (file, n)
            report.head = (seq, hash)
            if keepHashes { hashes[seq] = hash }
            lastEvent = record
            return true
        }

        mutating func finish(anchors: [Anchor], key: VerificationKey?, now: Date) {
            guard report.problem == nil else { return }
            if let s = seals {
                report.sealedRecords = s.sealedCount
                report.lastSealedEpoch = s.lastEpoch
                report.lastSealedTime = s.lastTime
                if let at = s.unsealedStop {
                    report.notes.append("sealing stopped at seq \(at) without a seal (the key was lost): records from there on are chained but not sealed-verified")
                }
                if let key, let last = s.lastEpoch {
                    let current = key.sealKey().epoch(at: now)
                    if current > last + 1 && lastEvent?.event != .stop {
                        report.notes.append("the newest record was sealed in epoch \(last), \(current - last) epochs ago, and is not a stop record: the log's tail may have been cut (or pwsync is not running)")
                    }
                }
            }
            if let first = report.firstSeq, first > 1 {
                let gap = first - 1
                let covering = dropped.filter { $0.firstSeq < first }
                let covered = covering.reduce(UInt64(0)) { total, d in
                    let end = min(d.lastSeq, gap)
                    return end >= d.firstSeq ? total + end - d.firstSeq + 1 : total
                }
                report.gone = Gone(count: gap, accounted: covering, unaccounted: gap > covered ? gap - covered : 0)
            }
            for a in anchors {
                guard let head = report.head else { break }
                if a.seq > head.seq {
                    fail(.truncated, report.files.last ?? "", 0,
                         "an anchor names seq \(a.seq)\(a.epoch.map { " (epoch \($0))" } ?? ""), but the log ends at seq \(head.seq): records were cut from the end")
                    return
                }
                guard let firstSeq = report.firstSeq, a.seq >= firstSeq else { continue }
                if hashes[a.seq] != a.hash {
                    fail(.anchorMismatch, report.files.last ?? "", 0,
                         "the record at seq \(a.seq) is not the one anchored\(a.epoch.map { " for epoch \($0)" } ?? ""): the log was rewritten")
                    return
                }
                report.anchorsMatched += 1
            }
        }
    }

    /// Seal checks along the chain: each MAC under its epoch's key, epochs never going back, and
    /// every epoch that ends closed by its own `seal` record.
    struct SealCheck {
        var key: SealKey
        var sealed = false
        var stopped = false
        var lastEpoch: UInt64?
        var lastTime: String?
        var lastWasSeal = false
        var sealedCount = 0
        /// An unsealed `sealing_stopped` (the key was lost at start-up): nothing after it is sealed-verified.
        var unsealedStop: UInt64?

        init(key: SealKey) { self.key = key }

        mutating func check(_ record: AuditEvent, _ raw: Data.SubSequence) -> (Problem.Kind, String)? {
            defer { if record.event == .sealingStopped { stopped = true } }
            guard record.mac != nil else {
                if record.event == .sealingStopped && sealed && !stopped {
                    unsealedStop = record.seq
                } else if sealed && !stopped {
                    return (.unsealed, "this record has no seal although sealing was on and never stopped: it was inserted or its seal removed")
                }
                return nil
            }
            guard let epoch = record.epoch, let (payload, mac) = AuditCoding.split(raw) else {
                return (.badSeal, "the seal is malformed")
            }
            if let last = lastEpoch {
                if epoch < last { return (.epochBackwards, "sealed in epoch \(epoch) after a record of epoch \(last): moved, or forged with an older key") }
                if epoch > last && !lastWasSeal {
                    return (.unclosedEpoch, "epoch \(last) ends without its closing seal record: records at the end of that epoch were removed")
                }
            }
            key.evolve(to: epoch)
            guard key.verify(mac, over: payload) else {
                return (.badSeal, "the seal does not verify under epoch \(epoch)'s key: the record was changed, or forged without that epoch's key")
            }
            sealed = true
            stopped = false
            lastEpoch = epoch
            lastTime = record.time
            lastWasSeal = record.event == .seal
            sealedCount += 1
            return nil
        }
    }

    /// Anchors from a file: one per line, as `journalctl -o json` prints them (PWSYNC_SEQ,
    /// PWSYNC_HASH, PWSYNC_EPOCH fields) or as `epoch=E seq=S hash=H` text.
    package static func anchors(from text: String) -> [Anchor] {
        var out: [Anchor] = []
        for line in text.split(separator: "\n") {
            var fields: [String: String] = [:]
            if line.first == "{", let o = try? JSONDecoder().decode([String: JournalField].self, from: Data(line.utf8)) {
                for (k, v) in o { if let text = v.text { fields[k.lowercased()] = text } }
                fields["seq"] = fields["seq"] ?? fields["pwsync_seq"]
                fields["hash"] = fields["hash"] ?? fields["pwsync_hash"]
                fields["epoch"] = fields["epoch"] ?? fields["pwsync_epoch"]
            } else {
                for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                    guard let eq = token.firstIndex(of: "=") else { continue }
                    var key = token[..<eq].lowercased()
                    if key.hasPrefix("pwsync_") { key.removeFirst(7) }
                    fields[key] = token[token.index(after: eq)...].trimming("\"',")
                }
            }
            guard let seq = fields["seq"].flatMap({ UInt64($0) }), let hash = fields["hash"], hash.count == 64 else { continue }
            out.append(Anchor(epoch: fields["epoch"].flatMap { UInt64($0) }, seq: seq, hash: hash.lowercased()))
        }
        return out
    }

    /// The files of one log in chain order: `path.N` … `path.1`, then `path`.
    package static func chainFiles(for path: String) -> [String] {
        var rotated: [(Int, String)] = []
        let dir = path.parentFolder
        let base = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? [] {
            guard name.hasPrefix(base + "."), let n = Int(name.dropFirst(base.count + 1)) else { continue }
            rotated.append((n, dir.isEmpty ? name : "\(dir)/\(name)"))
        }
        let files = rotated.sorted { $0.0 > $1.0 }.map(\.1)
        return FileManager.default.fileExists(atPath: path) ? files + [path] : files
    }
}

/// One field of a `journalctl -o json` line: text or a number; binary fields (arrays) are skipped.
private struct JournalField: Decodable {
    let text: String?

    init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let s = try? value.decode(String.self) {
            text = s
        } else if let n = try? value.decode(UInt64.self) {
            text = String(n)
        } else {
            text = nil
        }
    }
}
