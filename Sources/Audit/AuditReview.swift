import FoundationEssentials
import PlainText

/// Reading the audit log back for people: filtering, a table, and counts. Pure functions over records.
package enum AuditReview {
    /// A record as read back, with its line exactly as written (for `--json`).
    package struct Record: Sendable {
        package let event: AuditEvent
        package let line: String
        package var time: Date? { event.time.flatMap(RFC3339.parse) }
    }

    package struct Filter: Sendable {
        package var user: String?
        package var since: Date?
        package var until: Date?
        /// An outcome (`success`, `failure`, …) or an event name (`auth_failed`, …).
        package var outcome: String?
        package var principal: String?
        package init(user: String? = nil, since: Date? = nil, until: Date? = nil, outcome: String? = nil, principal: String? = nil) {
            self.user = user
            self.since = since
            self.until = until
            self.outcome = outcome
            self.principal = principal
        }

        package func matches(_ r: Record) -> Bool {
            let e = r.event
            if let user, e.userName?.lowercased() != user.lowercased(), e.userID?.lowercased() != user.lowercased() { return false }
            if let outcome, e.outcome?.rawValue != outcome, e.event.rawValue != outcome { return false }
            if let principal, e.principal != principal { return false }
            if since != nil || until != nil {
                guard let t = r.time else { return false }
                if let since, t < since { return false }
                if let until, t >= until { return false }
            }
            return true
        }
    }

    /// Records of `files` in order; lines that are not records are skipped (`verify` reports them).
    package static func read(files: [String]) -> [Record] {
        var out: [Record] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            for raw in data.split(separator: 0x0a) {
                guard let e = AuditCoding.record(raw) else { continue }
                out.append(Record(event: e, line: String(decoding: raw, as: UTF8.self)))
            }
        }
        return out
    }

    static let columns: [(title: String, value: @Sendable (AuditEvent) -> String?)] = [
        ("TIME", { $0.time }), ("SEQ", { $0.seq.map(String.init) }), ("EVENT", { $0.event.rawValue }),
        ("ACTION", { $0.action?.rawValue }), ("USER", { $0.userName }), ("PRINCIPAL", { $0.principal }),
        ("CLIENT", { $0.client }), ("FORM", { $0.form?.rawValue }), ("OUTCOME", { $0.outcome?.rawValue }),
        ("REASON", { $0.reason?.rawValue }), ("RC", { $0.resultCode.map(String.init) }),
        ("MS", { $0.latencyMs.map(String.init) }), ("REQUEST", { $0.requestID }),
    ]

    /// Aligned columns; on a terminal, failures red, deferrals yellow, successes green.
    package static func table(_ records: [Record], color: Bool) -> String {
        let rows = records.map { r in columns.map { $0.value(r.event) ?? "-" } }
        var widths = columns.map { $0.title.count }
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padded(to: widths[i]) }
                .joined(separator: "  ")
        }
        var out = [format(columns.map(\.title))]
        for (r, row) in zip(records, rows) {
            var line = format(row)
            if color {
                switch r.event.outcome {
                case .failure: line = "\u{1B}[31m\(line)\u{1B}[0m"
                case .deferred: line = "\u{1B}[33m\(line)\u{1B}[0m"
                case .success: line = "\u{1B}[32m\(line)\u{1B}[0m"
                default: break
                }
            }
            out.append(line)
        }
        return out.joined(separator: "\n") + "\n"
    }

    package struct Stats: Sendable {
        package var total = 0
        package var byOutcome: [(String, Int)] = []
        package var byReason: [(String, Int)] = []
        package var topFailingUsers: [(String, Int)] = []
        package var busiestHours: [(String, Int)] = []
    }

    package static func stats(_ records: [Record], top: Int = 10) -> Stats {
        func count(_ keys: [String]) -> [(String, Int)] {
            var counts: [String: Int] = [:]
            for k in keys { counts[k, default: 0] += 1 }
            let sorted = counts.sorted { (a: (key: String, value: Int), b: (key: String, value: Int)) -> Bool in
                a.value != b.value ? a.value > b.value : a.key < b.key
            }
            return sorted.map { ($0.key, $0.value) }
        }
        // Outcomes of decisions, not the `push_received` that precedes each write.
        let decisions = records.map(\.event).filter { $0.event != .pushReceived }
        var s = Stats()
        s.total = decisions.count
        s.byOutcome = count(decisions.map { "\($0.event.rawValue)/\($0.outcome?.rawValue ?? "-")" })
        s.byReason = count(decisions.compactMap { $0.reason?.rawValue })
        s.topFailingUsers = Array(count(decisions.filter { $0.outcome == .failure }.compactMap(\.userName)).prefix(top))
        let hours: [String] = records.map(\.event).filter { $0.event == .pushReceived }.compactMap { e -> String? in
            guard let t = e.time else { return nil }
            return String(t.prefix(13)) + ":00Z"
        }
        s.busiestHours = Array(count(hours).prefix(top))
        return s
    }

    package static func render(_ s: Stats) -> String {
        func section(_ title: String, _ rows: [(String, Int)]) -> String {
            let w = rows.map(\.0.count).max() ?? 0
            let body: String = rows.isEmpty ? "  (none)\n"
                : rows.map { (k: String, v: Int) -> String in "  " + k.padded(to: w) + "  \(v)\n" }.joined()
            return title + "\n" + body
        }
        var out = "decisions: \(s.total)\n"
        out += section("by event/outcome:", s.byOutcome)
        out += section("by reason:", s.byReason)
        out += section("top failing users:", s.topFailingUsers)
        out += section("busiest hours (UTC, changes received):", s.busiestHours)
        return out
    }
}
