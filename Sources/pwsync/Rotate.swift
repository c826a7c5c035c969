import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Server
import PlainText

/// Rotates the random passwords of many accounts now (after a compromise, or to test a schedule).
struct Rotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give accounts in random mode a fresh random password now, audited with your Unix user.",
        discussion: "Accounts in sync mode hold Okta's password and are skipped. Talks to the running `pwsync serve` over its control socket.")

    @Option(help: "A file with one userName per line.")
    var users: String?
    @Option(help: "A [[scope]] name from the config.")
    var scope: String?
    @Option(help: "An LDAP filter, matched under the user base, e.g. \"(department=Kiosks)\".")
    var filter: String?
    @Flag(help: "List what would be rotated; change nothing.")
    var dryRun = false
    @Option(help: "Accounts per minute (default 60).")
    var rate: Int?
    @Option(help: "The daemon's control socket.")
    var socket = ControlClient.defaultSocket

    func validate() throws {
        guard [users != nil, scope != nil, filter != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("Choose the accounts one way: --users FILE, --scope NAME or --filter LDAP-FILTER.")
        }
        if let rate, !(1...6000).contains(rate) { throw ValidationError("--rate must be between 1 and 6000 accounts a minute.") }
    }

    func run() throws {
        var names: [String]?
        if let users {
            guard let text = try? String(contentsOfFile: users, encoding: .utf8) else { throw ControlClientError("cannot read \(users)") }
            names = text.split(whereSeparator: \.isNewline).map { $0.trimmingBlanks() }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            if names?.isEmpty == true { throw ControlClientError("\(users) names no account") }
        }
        let terminal = isatty(STDERR_FILENO) != 0
        let reply = try ControlClient(path: socket).exchange(
            .init(command: .rotate, users: names, scope: scope, filter: filter, dryRun: dryRun, rate: rate)) { step in
            if dryRun, step.outcome == "would_rotate" { print("would rotate \(step.account ?? "")") }
            if terminal, let i = step.index, let n = step.total, n > 0 {
                let width = 30, filled = width * i / n
                Console.error("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(i)/\(n)")
                if i == n { Console.error("\n") }
            }
        }
        if let error = reply.error { throw ControlClientError(error) }
        let summary = reply.summary ?? [:]
        print("\(dryRun ? "dry run: " : "")\(reply.total ?? 0) account(s)")
        print("outcome".padded(to: 34) + "count")
        for (key, count) in summary.sorted(by: { $0.key < $1.key }) {
            print(key.padded(to: 34) + String(count))
        }
        if summary.keys.contains(where: { $0.hasPrefix("failed:") }) { throw ExitCode(1) }
    }
}
