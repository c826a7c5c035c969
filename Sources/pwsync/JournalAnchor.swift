import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Ships each closed epoch's seal to the system journal as a structured entry with its own
/// MESSAGE_ID, so journald/rsyslog forwarding carries it off the host (`audit verify --anchors`).
/// Without a journal socket, the same fields go to the log on stderr.
struct JournalAnchor: Sendable {
    /// `journalctl MESSAGE_ID=…` selects every pwsync seal.
    static let messageID = "a7c3f0e2915b4d6e8f21c4b9d0e5a613"
    static let socketPath = "/run/systemd/journal/socket"
    let logger: Logger

    func send(epoch: UInt64, seq: UInt64, hash: String) {
        let fields = [
            "MESSAGE=pwsync audit epoch \(epoch) sealed at seq \(seq)",
            "MESSAGE_ID=\(Self.messageID)",
            "PRIORITY=5",
            "SYSLOG_IDENTIFIER=pwsync",
            "PWSYNC_EPOCH=\(epoch)",
            "PWSYNC_SEQ=\(seq)",
            "PWSYNC_HASH=\(hash)",
        ]
        if Self.sendToJournal(fields.joined(separator: "\n") + "\n") { return }
        logger.notice("audit epoch sealed", metadata: [
            "message_id": "\(Self.messageID)", "pwsync_epoch": "\(epoch)", "pwsync_seq": "\(seq)", "pwsync_hash": "\(hash)",
        ])
    }

    /// One datagram in journald's native protocol; false when there is no journal to take it.
    static func sendToJournal(_ text: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let bytes = Array(text.utf8)
        let sent = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return sent == bytes.count
    }
}
