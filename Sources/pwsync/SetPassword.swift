import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Server

/// Break-glass: one account's password, through the running daemon (one audit chain, per-user order).
struct SetPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-password",
        abstract: "Set one account's password now (a random one, or one you type), audited with your Unix user.",
        discussion: "Talks to the running `pwsync serve` over its control socket; root or the pwsync group only.")

    @Argument(help: "The account's userName (or AD account name).")
    var user: String
    @Flag(help: "Generate a strong random password that meets the directory's policy.")
    var random = false
    @Flag(help: "Type the password (twice, not echoed); read from standard input when it is not a terminal.")
    var prompt = false
    @Flag(help: "Print the new random password once; only to a terminal.")
    var show = false
    @Option(help: "Write the new random password to this new file (mode 0600; an existing file is never overwritten).")
    var output: String?
    @Option(help: "The daemon's control socket.")
    var socket = ControlClient.defaultSocket

    func validate() throws {
        guard random != prompt else { throw ValidationError("Choose one of --random or --prompt.") }
        if show && output != nil { throw ValidationError("Choose one of --show or --output.") }
        if prompt && (show || output != nil) { throw ValidationError("--show and --output are for --random: you know the password you typed.") }
        if show && isatty(STDOUT_FILENO) == 0 { throw ValidationError("--show prints only to a terminal; use --output FILE to keep the password.") }
    }

    func run() throws {
        // Made before the daemon is asked, so a password is never set that could not be saved.
        var file: Int32 = -1
        if let output {
            file = open(output, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard file >= 0 else {
                throw ControlClientError(errno == EEXIST ? "\(output) exists: pwsync never overwrites a password file; choose a new name"
                                                         : "cannot create \(output): \(String(cString: strerror(errno)))")
            }
        }
        defer { if file >= 0 { close(file) } }
        var typed: String?
        if prompt { typed = try Self.readPassword() }
        let reply: ControlMessage.Reply
        do {
            reply = try ControlClient(path: socket).exchange(.init(command: .setPassword, user: user, password: typed,
                                                                   reveal: show || output != nil))
        } catch {
            if let output { unlink(output) }
            throw error
        }
        if let error = reply.error {
            if let output { unlink(output) }
            throw ControlClientError(error)
        }
        let dn = reply.dn ?? user
        if let password = reply.password, file >= 0 {
            let bytes = Array((password + "\n").utf8)
            guard write(file, bytes, bytes.count) == bytes.count, fsync(file) == 0 else {
                throw ControlClientError("the password of \(dn) was set, but writing \(output ?? "") failed: \(String(cString: strerror(errno)))")
            }
            print("password of \(dn) set; written to \(output ?? "")")
        } else if let password = reply.password, show {
            print("password of \(dn) set: \(password)")
        } else {
            print("password of \(dn) set\(random ? " (random, not shown: no one knows it)" : "")")
        }
    }

    /// Twice without echo on a terminal; one line from standard input otherwise.
    static func readPassword() throws -> String {
        guard isatty(STDIN_FILENO) != 0 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ControlClientError("no password on standard input") }
            return line
        }
        func ask(_ label: String) throws -> String {
            guard let line = Console.readHiddenLine(label), !line.isEmpty else { throw ControlClientError("no password typed") }
            return line
        }
        let first = try ask("New password: ")
        guard try ask("Again: ") == first else { throw ControlClientError("the two passwords differ; nothing was changed") }
        return first
    }
}
