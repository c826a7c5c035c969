import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Server

/// The CLI's side of the daemon's control socket: one request line, answer lines until `done`.
struct ControlClient {
    let fd: Int32

    static let defaultSocket = "/run/pwsync/control.sock"

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlClientError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw ControlClientError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw ControlClientError("cannot reach the pwsync daemon at \(path) (\(why)). Is `pwsync serve` running, and are you root or in the pwsync group?")
        }
    }

    /// Sends `request` and hands each answer line to `each` until the final one, which it returns.
    func exchange(_ request: ControlMessage.Request, each: (ControlMessage.Reply) -> Void = { _ in }) throws -> ControlMessage.Reply {
        defer { close(fd) }
        var line = try JSONEncoder().encode(request)
        line.append(0x0a)
        let sent = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        // The request may hold a typed password: not a byte of it stays in this buffer.
        line.resetBytes(in: 0..<line.count)
        guard sent > 0 else { throw ControlClientError("the daemon closed the connection") }
        var pending = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { throw ControlClientError("the daemon closed the connection without an answer") }
            pending.append(contentsOf: chunk[0..<n])
            while let nl = pending.firstIndex(of: 0x0a) {
                let one = pending[pending.startIndex..<nl]
                pending = Data(pending[(nl + 1)...])
                let reply = try JSONDecoder().decode(ControlMessage.Reply.self, from: one)
                if reply.done { return reply }
                each(reply)
            }
        }
    }
}

struct ControlClientError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
