import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Directory
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import PasswordSync
import PlainText
import Secrets
import ServiceLifecycle

/// The daemon's local control socket for `pwsync set-password` and `pwsync rotate`: a Unix socket
/// (mode 0660, the service's group) whose peers are checked by their kernel credentials, root,
/// the service user or a member of its group, and named in the audit log as the operator.
package struct ControlSocket: Service {
    let path: String
    let service: PasswordSyncService
    let logger: Logger
    /// Accounts per minute for a `rotate` that names no rate.
    let defaultRate: Int

    package init(path: String, service: PasswordSyncService, defaultRate: Int = 60, logger: Logger) {
        self.path = path
        self.service = service
        self.defaultRate = defaultRate
        self.logger = logger
    }

    /// The socket is made under the process's umask, which `pwsync serve` sets once, before any
    /// task runs, to deny group and others write (so no one else can connect before the chmod
    /// below): a umask changed here, across an `await`, would be seen by every other task.
    package func run() async throws {
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            // Okta's pushes matter more than the operator's socket: keep serving, say why it is missing.
            let folder = path.parentFolder
            if access(folder.isEmpty ? "/" : folder, F_OK) != 0 {
                logger.notice("control socket off: its folder does not exist (systemd makes /run/pwsync with RuntimeDirectory=pwsync; or set [control] socket)",
                              metadata: ["path": "\(path)"])
            } else {
                logger.error("control socket unavailable; set-password and rotate will not reach this daemon", metadata: [
                    "path": "\(path)", "error": "\(error)",
                ])
            }
            try? await gracefulShutdown()
            return
        }
        chmod(path, 0o660)
        logger.notice("control socket listening", metadata: ["path": "\(path)"])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
        unlink(path)
    }

    func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let peer = await Self.peer(of: connection.channel)
        try? await connection.executeThenClose { inbound, outbound in
            func send(_ reply: ControlMessage.Reply) async throws {
                var line = try JSONEncoder().encode(reply)
                line.append(0x0a)
                try await outbound.write(ByteBuffer(bytes: line))
            }
            guard let peer, peer.allowed else {
                logger.warning("control socket: peer refused", metadata: ["uid": "\(peer?.uid ?? 0)"])
                try await send(.init(done: true, error: "Only root, the pwsync user and members of its group may use the control socket."))
                return
            }
            for try await line in inbound {
                guard let request = try? JSONDecoder().decode(ControlMessage.Request.self, from: Data(line.readableBytesView)) else {
                    try await send(.init(done: true, error: "Malformed request."))
                    return
                }
                let info = RequestInfo(requestID: Self.requestID(), client: "local", principal: peer.name)
                switch request.command {
                case .setPassword: try await send(await setPassword(request, info))
                case .rotate: try await rotate(request, info, send: send)
                }
                return
            }
        }
    }

    func setPassword(_ r: ControlMessage.Request, _ info: RequestInfo) async -> ControlMessage.Reply {
        guard let user = r.user, !user.isEmpty else { return .init(done: true, error: "Name the account.") }
        let value: OperatorPassword = r.password.map { .given(Secret($0)) } ?? .random
        do {
            let (account, password) = try await service.setPassword(userName: user, to: value, request: info)
            // Sent back only for a random password the operator asked to see or keep.
            let shown = r.password == nil && r.reveal == true ? password.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } : nil
            return .init(done: true, dn: account.dn, password: shown)
        } catch {
            return .init(done: true, error: error.detail)
        }
    }

    func rotate(_ r: ControlMessage.Request, _ info: RequestInfo, send: (ControlMessage.Reply) async throws -> Void) async throws {
        let selection: AccountSelection
        switch (r.users, r.scope, r.filter) {
        case (let users?, nil, nil): selection = .userNames(users)
        case (nil, let scope?, nil): selection = .scope(scope)
        case (nil, nil, let filter?): selection = .ldapFilter(filter)
        default: return try await send(.init(done: true, error: "Choose the accounts one way: --users, --scope or --filter."))
        }
        let accounts: [DirectoryUser], missing: [String]
        do { (accounts, missing) = try await service.accounts(selection) } catch {
            return try await send(.init(done: true, error: error.detail))
        }
        var summary: [String: Int] = [:]
        for name in missing {
            summary["failed:user_not_found", default: 0] += 1
            try await send(.init(done: false, account: name, outcome: "failed:user_not_found"))
        }
        let rate = max(1, r.rate ?? defaultRate)
        let dryRun = r.dryRun ?? false
        for (i, account) in accounts.enumerated() {
            let outcome = await service.rotate(account, request: info, dryRun: dryRun, now: Int64(Date().timeIntervalSince1970))
            let key: String
            switch outcome {
            case .rotated: key = "rotated"
            case .due: key = "would_rotate"
            case .skipped(let why): key = "skipped:\(why)"
            case .failed(let why, _): key = "failed:\(why)"
            }
            summary[key, default: 0] += 1
            try await send(.init(done: false, account: account.userName, outcome: key, index: i + 1, total: accounts.count))
            if outcome == .rotated, i + 1 < accounts.count { try await Task.sleep(for: .milliseconds(60_000 / rate)) }
        }
        try await send(.init(done: true, total: summary.values.reduce(0, +), summary: summary))
    }

    static func requestID() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(rng.next() as UInt32, radix: 16) }.joined()
    }

    /// The connecting process's user, from the kernel (SO_PEERCRED), and whether it may ask.
    struct Peer {
        var uid: UInt32
        var name: String
        var allowed: Bool
    }

    static func peer(of channel: any Channel) async -> Peer? {
        guard let provider = channel as? SocketOptionProvider else { return nil }
        /// `struct ucred` (pid, uid, gid), which Glibc's module does not export.
        struct Credentials: Sendable { var pid: Int32 = 0; var uid: UInt32 = 0; var gid: UInt32 = 0 }
        let cred: Credentials
        do {
            cred = try await provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)).get()
        } catch { return nil }
        let name = userName(cred.uid) ?? "uid \(cred.uid)"
        let group = getegid()
        let allowed = cred.uid == 0 || cred.uid == geteuid() || cred.gid == group || groups(of: name, primary: cred.gid).contains(group)
        return Peer(uid: cred.uid, name: "unix:\(name) (uid \(cred.uid))", allowed: allowed)
    }

    static func userName(_ uid: uid_t) -> String? {
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &pw, &buffer, buffer.count, &result) == 0, result != nil, let n = pw.pw_name else { return nil }
        return String(cString: n)
    }

    static func groups(of user: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, primary, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(user, primary, &list, &count) >= 0 else { return [primary] }
        }
        return Array(list.prefix(Int(count)))
    }
}
