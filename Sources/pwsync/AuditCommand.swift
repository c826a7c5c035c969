#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Audit
import FoundationEssentials

/// `pwsync audit show|verify|stats`: the reviewer's tools. Read-only; they never need the config,
/// the TLS key or the directory password, only read access to the log files.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Review and verify the audit log.",
        subcommands: [Show.self, Verify.self, Stats.self, Keygen.self]
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
            abstract: "Check the hash chain (and, with --key, every seal) across files; exit 0 if intact, 1 at the first break.",
            discussion: "Reports the first edited, missing, reordered or truncated record with its file and line. "
                + "With --key (the verification key `audit keygen` printed, kept off this host) every record's seal is "
                + "checked too: a record edited, dropped or moved after its epoch ended is caught even if the chain "
                + "was recomputed. --anchors takes the epoch seals exported from the journal (journalctl -o json "
                + "MESSAGE_ID=\(JournalAnchor.messageID)) and proves the log still holds them.")
        @OptionGroup var files: Files
        @Flag(help: "Accept a log whose oldest file starts after seq 1 (older files deleted by retention).") var partial = false
        @Option(help: "The verification key (pwsync-vk1:…) printed by `pwsync audit keygen`.") var key: String?
        @Option(help: "A file of epoch seals exported from the journal (JSON lines or epoch=… seq=… hash=… lines).") var anchors: String?

        func run() throws {
            let list = files.resolved
            guard !list.isEmpty else {
                Console.error("audit verify: no audit files found (give files, or --log PATH)\n")
                throw ExitCode(2)
            }
            let vk = try key.map { text -> VerificationKey in
                guard let vk = VerificationKey(parsing: text) else { throw ValidationError("--key is not a pwsync verification key (pwsync-vk1:…)") }
                return vk
            }
            var anchorList: [AuditVerifier.Anchor] = []
            if let anchors {
                guard let text = try? String(contentsOfFile: anchors, encoding: .utf8) else { throw ValidationError("cannot read --anchors \(anchors)") }
                anchorList = AuditVerifier.anchors(from: text)
                guard !anchorList.isEmpty else { throw ValidationError("no anchors found in \(anchors)") }
            }
            let report = AuditVerifier.verify(files: list, partial: partial, key: vk, anchors: anchorList)
            if let problem = report.problem {
                print("FAIL \(problem)")
                print("     \(report.records) records verified before it")
                throw ExitCode(1)
            }
            let status = report.gone == nil ? "OK  " : "PARTIAL"
            print("\(status) \(report.records) records in \(list.count) file\(list.count == 1 ? "" : "s"), seq \(report.firstSeq ?? 0)…\(report.head?.seq ?? 0)")
            if let gone = report.gone {
                print("     \(gone.count) earlier record\(gone.count == 1 ? " is" : "s are") gone (seq 1…\(gone.count))")
                for d in gone.accounted {
                    print("     seq \(d.firstSeq)…\(d.lastSeq), written \(d.from ?? "?") … \(d.until ?? "?"), were deleted by size rotation")
                }
                if gone.unaccounted > 0 { print("     \(gone.unaccounted) of them are not accounted for by any rotation record") }
            }
            if vk != nil {
                if report.sealedRecords == 0 {
                    print("     no record is sealed: this log was written without a sealing key")
                } else {
                    print("     seals: \(report.sealedRecords) records verified with the key; last sealed epoch \(report.lastSealedEpoch ?? 0) (\(report.lastSealedTime ?? "?"))")
                }
            } else {
                print("     not sealed-verified: the chain shows order and completeness only; run with --key to check the seals")
            }
            if !anchorList.isEmpty { print("     anchors: \(report.anchorsMatched) of \(anchorList.count) match the log") }
            for note in report.notes { print("     note: \(note)") }
            if let head = report.head { print("     head seq \(head.seq) sha256 \(head.hash)") }
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the audit sealing key and print its verification key, once.",
            discussion: "Writes the sealing key (mode 0600) for [audit] seal_key_file and prints the verification key, "
                + "with a QR code on a terminal. Store the verification key off this host: it is what proves, later, "
                + "that records were not changed after their epoch ended. It is not kept anywhere by pwsync.")
        @Option(help: "Where to write the sealing key (refuses to overwrite).") var keyFile: String = "/var/lib/pwsync/audit-seal.key"
        @Option(help: "Minutes per epoch: how often the key evolves and the past is sealed for good.") var intervalMinutes: Int = 15
        @Option(help: "Give the key file to this user (the service user, e.g. pwsync).") var owner: String?

        func run() throws {
            guard (1...1440).contains(intervalMinutes) else { throw ValidationError("--interval-minutes must be between 1 and 1440") }
            let interval = Int64(intervalMinutes * 60)
            let now = Int64(Date().timeIntervalSince1970)
            let (vk, key) = VerificationKey.generate(start: now - now % interval, interval: interval)
            do { try SealKeyFile.create(keyFile, key) } catch {
                Console.error("audit keygen: \(error)\n")
                throw ExitCode(73)
            }
            if let owner {
                guard let pw = getpwnam(owner) else { throw ValidationError("no user named \(owner)") }
                guard chown(keyFile, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                    throw ValidationError("cannot give \(keyFile) to \(owner): \(String(cString: strerror(errno)))")
                }
            }
            print("Sealing key written to \(keyFile) (mode 0600; \(intervalMinutes)-minute epochs).")
            print("Set it in pwsync.toml:  [audit] seal_key_file = \"\(keyFile)\"")
            print("")
            print("Verification key. Store it OFF this host now; pwsync keeps no copy and will not show it again:")
            print("")
            print("  \(vk.text)")
            print("")
            if isatty(STDOUT_FILENO) == 1 { Self.printQR(vk.text) }
            print("Check the log later, anywhere: pwsync audit verify --log FILE --key <verification key>")
        }

        /// Through Debian's `qrencode` when it is installed (the key goes on its standard input, not argv).
        static func printQR(_ text: String) {
            let qrencode = "/usr/bin/qrencode"
            guard FileManager.default.isExecutableFile(atPath: qrencode) else {
                print("(install the qrencode package to get a QR code of the key here)")
                return
            }
            Console.flushPrinted()
            if !Console.run(qrencode, ["-t", "ANSIUTF8"], input: Array(text.utf8)) {
                print("(qrencode failed)")
            }
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
