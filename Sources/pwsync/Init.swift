#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Config
import Directory
import FoundationEssentials
import PlainText
import Secrets
import Setup

/// First run on a new host: asks (or takes flags) for the directory, writes the config, the bind
/// password file, the TLS key with a CSR (and a lab certificate on request) with the service
/// user's group and tight modes, makes Okta's token, checks the whole and prints what to paste into Okta.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set pwsync up on this host: config, bind password, TLS key and CSR, Okta's token.",
        discussion: """
            On a terminal it asks for what the flags do not give; with --non-interactive every value comes from \
            the flags. Files go next to the config (by default /etc/pwsync), readable by root and the service \
            user's group only. The token for Okta is printed once and stored only as a hash. At the end it runs \
            `check-config --connect` and prints the Okta app settings. A config that already passes is replaced \
            only with --force.
            """)

    /// `--directory ad|openldap`: each directory kind's spelling on the command line.
    struct DirectoryChoice: ExpressibleByArgument, Sendable {
        let kind: DirectoryKind

        init(_ kind: DirectoryKind) { self.kind = kind }

        init?(argument: String) {
            guard let kind = DirectoryKind.allCases.first(where: { Self.flag(for: $0) == argument.lowercased() }) else { return nil }
            self.kind = kind
        }

        static func flag(for kind: DirectoryKind) -> String {
            switch kind {
            case .activeDirectory: return "ad"
            case .openLDAP: return "openldap"
            }
        }

        var rawValue: String { Self.flag(for: kind) }
        static var allValueStrings: [String] { DirectoryKind.allCases.map(flag(for:)) }
    }

    @OptionGroup var options: ConfigOption
    @Flag(help: "Never ask: fail with the list of missing flags instead.")
    var nonInteractive = false
    @Option(help: "The directory: ad (Active Directory or Samba AD DC) or openldap.")
    var directory: DirectoryChoice?
    @Option(help: "A directory server, ldaps://host (repeat for more, in the order to try).")
    var url: [String] = []
    @Flag(help: "The URLs are ldap:// and upgraded with StartTLS.")
    var starttls = false
    @Option(help: "The subtree that holds the users Okta pushes to.")
    var userBase: String?
    @Option(help: "The service account's DN (Reset Password rights on the user base only).")
    var bindDN: String?
    @Option(help: "A file holding the service account's password (one line, not world-readable); - for standard input.")
    var bindPasswordFile: String?
    @Option(help: "PEM bundle of the CAs that sign the directory's certificates (default: the system store).")
    var caFile: String?
    @Option(help: "The DNS name Okta calls this host by (the certificate's name). Default: this host's name.")
    var hostname: String?
    @Option(help: "Address and port to listen on.")
    var listen = Configuration.Server.listen
    @Option(help: "Where the audit log goes.")
    var auditPath = "/var/log/pwsync/audit.jsonl"
    @Option(help: "The TLS key: rsa (3072 bits) or ecdsa (P-256).")
    var keyType: TLSMaterial.KeyType = .rsa
    @Flag(help: "Also make a self-signed certificate, for a lab: Okta does not trust it.")
    var selfSigned = false
    @Option(help: "The account pwsync serve runs as; its group may read the files written.")
    var serviceUser = "pwsync"
    @Flag(help: "Replace a config that already passes check-config (with a new token).")
    var force = false

    func run() async throws {
        let paths = InitPaths(config: options.config)
        if !force, (try? Configuration.load(path: paths.config)) != nil {
            Console.error("init: \(paths.config) is already a working config; pass --force to replace it (Okta's token changes)\n")
            throw ExitCode(73)
        }
        let owner = try FileOwner(serviceUser: serviceUser)
        var ask = Questions(interactive: !nonInteractive && isatty(STDIN_FILENO) == 1)
        let answers = try gather(&ask, paths: paths)
        let problems = answers.problems
        guard problems.isEmpty else {
            for p in problems { Console.error("init: \(p)\n") }
            throw ExitCode(64)
        }
        // Read before anything is written, so a missing password leaves no half set-up behind.
        let password = try readBindPassword(&ask)

        try checkBeforeWriting(answers)
        try owner.folder(paths.folder, mode: 0o750)
        try owner.folder(paths.tlsFolder, mode: 0o750)
        try owner.folder(answers.auditPath.parentFolder, mode: 0o750, ownedByService: true)
        if paths.bindPassword != bindPasswordFile {
            try password.withUnsafeBytes { try owner.write(paths.bindPassword, $0, mode: 0o640) }
        } else {
            try owner.adopt(paths.bindPassword, mode: 0o640)
        }
        if let caFile, caFile != paths.directoryCA {
            guard let pem = FileManager.default.contents(atPath: caFile) else { throw failure("cannot read \(caFile)") }
            try pem.withUnsafeBytes { try owner.write(paths.directoryCA, $0, mode: 0o644) }
        }
        let tlsNote = try writeTLS(answers, owner)

        let token = TokenHash.generateToken()
        let text = ConfigTemplate.render(answers, tokenHash: TokenHash(hashing: token).encoded)
        let certificatePending: Set<String> = FileManager.default.fileExists(atPath: paths.certificate) ? [] : ["server.tls_certificate"]
        let config: Configuration
        do {
            config = try Configuration.parse(text, file: paths.config, filesWrittenLater: certificatePending)
        } catch {
            Console.error("init: the config made from these answers does not pass; \(paths.config) is unchanged:\n\(error.description)\n")
            throw ExitCode(78)
        }
        try Array(text.utf8).withUnsafeBytes { try owner.write(paths.config, $0, mode: 0o640) }

        print("wrote \(paths.config), \(paths.bindPassword)\(answers.hasDirectoryCA ? ", \(paths.directoryCA)" : "") and \(paths.tlsFolder)/")
        print(tlsNote)
        print("")
        print("Okta's API token (shown once; only its hash is stored):")
        print("  ", terminator: "")
        token.withUnsafeBytes { Console.out($0) }
        print("\n")
        print(OktaSettings.render(answers))
        print("")
        print("Checking (pwsync check-config --connect):")
        let check = try CheckConfig.parse(["--config", paths.config, "--connect", "--as-user", serviceUser])
        do {
            if certificatePending.isEmpty {
                try await check.run()
            } else {
                try await check.checkDirectory(config)
                print("  (the server certificate is not there yet: run check-config again once it is)")
            }
        } catch {
            Console.error("init: the config is written, but the check failed (above); fix that, then run: pwsync check-config --connect\n")
            throw error
        }
        print(certificatePending.isEmpty ? "Next: systemctl enable --now pwsync"
              : "Next: once the certificate is in place, pwsync check-config --connect, then systemctl enable --now pwsync")
    }

    /// The validator's verdict on the config these answers make, before any file is written;
    /// problems named by their flags.
    func checkBeforeWriting(_ answers: InitAnswers) throws {
        let flags = ["directory.urls": "--url", "directory.user_base": "--user-base", "directory.bind_dn": "--bind-dn",
                     "server.listen": "--listen", "audit.path": "--audit-path", "directory.starttls": "--starttls"]
        let text = ConfigTemplate.render(answers, tokenHash: TokenHash(hashing: TokenHash.generateToken()).encoded)
        // The audit folder, when missing, is made next like the others.
        let auditFolder = answers.auditPath.parentFolder
        let later = FileManager.default.fileExists(atPath: auditFolder.isEmpty ? "." : auditFolder) ? Self.filesWritten : Self.filesWritten.union(["audit.path"])
        do {
            _ = try Configuration.parse(text, file: answers.paths.config, filesWrittenLater: later)
        } catch {
            for p in error.errors { Console.error("init: \(flags[p.key] ?? p.key): \(p.message)\n") }
            Console.error("init: nothing was written\n")
            throw ExitCode(64)
        }
    }

    static let filesWritten: Set<String> = [
        "directory.bind_password_file", "directory.ca_file", "server.tls_certificate", "server.tls_private_key",
    ]

    /// Each answer from its flag, else asked on a terminal, else named as missing.
    func gather(_ ask: inout Questions, paths: InitPaths) throws -> InitAnswers {
        let kind = ask.value("Directory (ad or openldap)", directory?.rawValue, flag: "--directory") { DirectoryChoice(argument: $0) }
        let urls = url.isEmpty ? ask.value("Directory URL(s), space-separated (ldaps://dc1.corp.example.com)", nil, flag: "--url") {
            $0.split(separator: " ").map(String.init)
        } : url
        let base = ask.value("User base (the subtree with Okta's users)", userBase, flag: "--user-base") { $0 }
        let bind = ask.value("Service account DN", bindDN, flag: "--bind-dn") { $0 }
        let host = ask.value("DNS name Okta calls this host by", hostname, default: Self.localHostname(), flag: "--hostname") { $0 }
        try ask.finish()
        // finish() named every missing answer: each is here now.
        guard let kind, let urls, let base, let bind, let host else { throw ValidationError("missing answers") }
        guard let listenAt = HostPort(listen) else { throw ValidationError("--listen: expected host:port, e.g. \(Configuration.Server.listen)") }
        return InitAnswers(directory: kind.kind, urls: urls, startTLS: starttls, userBase: base, bindDN: bind, hostname: host,
                           listenHost: listenAt.host, port: listenAt.port, auditPath: auditPath, paths: paths, hasDirectoryCA: caFile != nil)
    }

    func readBindPassword(_ ask: inout Questions) throws -> Secret {
        switch bindPasswordFile {
        case "-":
            var bytes = Console.readStandardInput()
            defer { for i in bytes.indices { bytes[i] = 0 } }
            while let last = bytes.last, last == 0x0a || last == 0x0d { bytes.removeLast() }
            guard !bytes.isEmpty else { throw failure("no bind password on standard input") }
            return Secret(bytes: bytes)
        case let path?:
            do {
                let secret = try SecretFile.read(path)
                guard !secret.isEmpty else { throw failure("\(path) is empty") }
                return secret
            } catch let error as SecretFile.Failure {
                throw failure("--bind-password-file: \(error.description)")
            }
        case nil:
            guard ask.interactive, let typed = Console.readHiddenLine("Service account password: "), !typed.isEmpty else {
                throw failure("missing --bind-password-file (a file with the service account's password, or - for standard input)")
            }
            return Secret(typed)
        }
    }

    /// Keeps a key and certificate that are already there and belong together (the admin's real
    /// ones); otherwise a new key, a CSR and, when asked, a lab certificate.
    func writeTLS(_ a: InitAnswers, _ owner: FileOwner) throws -> String {
        let p = a.paths
        if !force, FileManager.default.fileExists(atPath: p.certificate), FileManager.default.fileExists(atPath: p.privateKey) {
            return "kept the certificate and key already in \(p.tlsFolder)/"
        }
        let tls = try TLSMaterial(hostname: a.hostname, keyType: keyType, selfSigned: selfSigned)
        try Array(tls.privateKeyPEM.utf8).withUnsafeBytes { try owner.write(p.privateKey, $0, mode: 0o640) }
        try Array(tls.signingRequestPEM.utf8).withUnsafeBytes { try owner.write(p.signingRequest, $0, mode: 0o644) }
        var note = """
            TLS: a new \(keyType == .rsa ? "RSA 3072" : "ECDSA P-256") key and a signing request for \(a.hostname):
              have your CA (or an ACME client) sign \(p.signingRequest), then put the full chain,
              server certificate first, in \(p.certificate) and run: systemctl reload pwsync
            """
        if let cert = tls.selfSignedPEM {
            try Array(cert.utf8).withUnsafeBytes { try owner.write(p.certificate, $0, mode: 0o644) }
            note += "\n  For now \(p.certificate) is a SELF-SIGNED lab certificate (90 days): Okta does NOT trust it."
        } else if FileManager.default.fileExists(atPath: p.certificate) {
            try? FileManager.default.removeItem(atPath: p.certificate)
            note += "\n  (the old \(p.certificate) did not belong to the new key and was removed)"
        }
        return note
    }

    static func localHostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func failure(_ message: String) -> InitError { InitError(description: message) }
}

/// A problem met while setting up (an unreadable file, a missing user): printed without the usage text.
struct InitError: Error, CustomStringConvertible {
    let description: String
}

/// `host:port`, IPv6 in brackets.
struct HostPort {
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), colon != text.startIndex else { return nil }
        var host = Substring(text[..<colon])
        if host.first == "[", host.last == "]" { host = host.dropFirst().dropLast() }
        self.host = String(host)
        self.port = port
    }
}

/// Asks on a terminal for what the flags left out; without one, collects the missing flags so
/// they are all named at once.
struct Questions {
    let interactive: Bool
    private var missing: [String] = []

    init(interactive: Bool) { self.interactive = interactive }

    mutating func value<T>(_ question: String, _ given: String?, default fallback: String? = nil, flag: String,
                           _ parse: (String) -> T?) -> T? {
        if let given {
            if let v = parse(given) { return v }
            missing.append("\(flag): \(given) is not a valid value")
            return nil
        }
        guard interactive else {
            if let fallback, !fallback.isEmpty, let v = parse(fallback) { return v }
            missing.append(flag)
            return nil
        }
        while true {
            print(fallback.map { "\(question) [\($0)]: " } ?? "\(question): ", terminator: "")
            guard let line = readLine(strippingNewline: true) else {
                missing.append(flag)
                return nil
            }
            let text = line.isEmpty ? (fallback ?? "") : line
            if !text.isEmpty, let v = parse(text) { return v }
            print("  (not a valid answer; \(flag) gives it on the command line)")
        }
    }

    func finish() throws {
        guard missing.isEmpty else {
            throw ValidationError("missing or invalid: \(missing.joined(separator: ", ")) (run on a terminal to be asked, or give them as flags)")
        }
    }
}

/// Writes init's files: owned by root with the service user's group when run as root (the
/// service reads them through the group), by the caller otherwise. Atomic: a temporary file
/// renamed over the old one, so a failure leaves the old file whole.
struct FileOwner {
    let uid: uid_t?
    let gid: gid_t?
    let serviceUID: uid_t?

    init(serviceUser: String) throws {
        guard geteuid() == 0 else {
            uid = nil; gid = nil; serviceUID = nil
            return
        }
        guard let pw = getpwnam(serviceUser) else {
            throw InitError(description: "there is no user \(serviceUser): install the pwsync package (it creates the user), or name the account with --service-user")
        }
        uid = 0
        gid = pw.pointee.pw_gid
        serviceUID = pw.pointee.pw_uid
    }

    /// Creates a missing folder; an existing one keeps its owner and mode (the admin's, or dpkg-statoverride's).
    func folder(_ path: String, mode: mode_t, ownedByService: Bool = false) throws {
        guard !path.isEmpty, !FileManager.default.fileExists(atPath: path) else { return }
        guard mkdir(path, mode) == 0 else { throw InitError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        if let uid { _ = chown(path, ownedByService ? (serviceUID ?? uid) : uid, gid ?? 0) }
        _ = chmod(path, mode)
    }

    func write(_ path: String, _ bytes: UnsafeRawBufferPointer, mode: mode_t) throws {
        let temporary = "\(path).pwsync-init"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw InitError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        var ok = true
        if let uid { ok = fchown(fd, uid, gid ?? 0) == 0 }
        ok = ok && fchmod(fd, mode) == 0
        var done = 0
        while ok && done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n > 0 { done += n } else if errno != EINTR { ok = false }
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw InitError(description: "cannot write \(path): \(reason)")
        }
    }

    /// A file the admin already put in place: given the owner and mode the others get.
    func adopt(_ path: String, mode: mode_t) throws {
        if let uid, chown(path, uid, gid ?? 0) != 0 { throw InitError(description: "cannot chown \(path): \(String(cString: strerror(errno)))") }
        guard chmod(path, mode) == 0 else { throw InitError(description: "cannot chmod \(path): \(String(cString: strerror(errno)))") }
    }
}

extension TLSMaterial.KeyType: ExpressibleByArgument {}
