import ArgumentParser
import Audit
import Foundation

/// `pwsync audit show|verify|stats`: the reviewer's tools. Read-only; they never need the config,
/// the TLS key or the directory password, only read access to the log files.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Review and verify the audit log.",
        subcommands: [Show.self, Verify.self, Stats.self]
    )

    struct Files: ParsableArguments {
        @Argument(help: "Audit files, oldest first (default: --log and its rotated files .N … .1).")
        var files: [String] = []

        @Option(name: .long, help: "The live audit log; rotated files next to it are included.")
        var log: String = "/var/log/pwsync/audit.jsonl"

        var resolved: [String] { files.isEmpty ? AuditVerifier.chainFiles(for: log) : files }
    }

    static func date(_ s: String?, _ name: String) throws -> Date? {
        guard let s else { return nil }
        guard let d = RFC3339.parse(s) else {
            throw ValidationError("\(name) must be an RFC 3339 time (2026-11-29T08:00:00Z) or a date (2026-11-29), not '\(s)'")
        }
        return d
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit records as a table (or JSON lines), filtered.")
        @OptionGroup var files: Files
        @Option(help: "Only this userName (or SCIM id).") var user: String?
        @Option(help: "Only records at or after this time (UTC).") var since: String?
        @Option(help: "Only records before this time (UTC).") var until: String?
        @Option(help: "Only this outcome (success, failure, deferred, skipped, unchanged) or event name.") var outcome: String?
        @Option(help: "Only this authenticated principal (credential name).") var principal: String?
        @Flag(help: "Print the matching records as JSON lines, unchanged.") var json = false

        func run() throws {
            let filter = AuditReview.Filter(user: user, since: try AuditCommand.date(since, "--since"),
                                            until: try AuditCommand.date(until, "--until"), outcome: outcome, principal: principal)
            let records = AuditReview.read(files: files.resolved).filter(filter.matches)
            if json {
                for r in records { print(r.line) }
            } else {
                print(AuditReview.table(records, color: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil), terminator: "")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain across files; exit 0 if intact, 1 at the first break.",
            discussion: "Reports the first edited, missing, reordered or truncated record with its file and line. "
                + "Compare the printed head (last seq and hash) with the journal to detect whole records cut from the end.")
        @OptionGroup var files: Files
        @Flag(help: "Accept a log whose oldest file starts after seq 1 (older files deleted by retention).") var partial = false

        func run() throws {
            let list = files.resolved
            guard !list.isEmpty else {
                FileHandle.standardError.write(Data("audit verify: no audit files found (give files, or --log PATH)\n".utf8))
                throw ExitCode(2)
            }
            let report = AuditVerifier.verify(files: list, partial: partial)
            if let problem = report.problem {
                print("FAIL \(problem)")
                print("     \(report.records) records verified before it")
                throw ExitCode(1)
            }
            print("OK   \(report.records) records in \(list.count) file\(list.count == 1 ? "" : "s"), seq \(report.firstSeq ?? 0)…\(report.head?.seq ?? 0)")
            if let head = report.head { print("     head seq \(head.seq) sha256 \(head.hash)") }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts by outcome and reason, top failing users, busiest hours.")
        @OptionGroup var files: Files
        @Option(help: "Only records at or after this time (UTC).") var since: String?
        @Option(help: "How many users and hours to list.") var top: Int = 10

        func run() throws {
            let filter = AuditReview.Filter(since: try AuditCommand.date(since, "--since"))
            let records = AuditReview.read(files: files.resolved).filter(filter.matches)
            print(AuditReview.render(AuditReview.stats(records, top: top)), terminator: "")
        }
    }
}
