import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP proxy to one server port, for faults a real server will not make on demand:
/// `muteReplies()` keeps forwarding requests on the connections open now but drops everything the
/// server sends back on them (a reply lost on the way); new connections pass normally.
package final class TCPProxy: @unchecked Sendable {
    package let port: Int
    private let target: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [(client: Int32, server: Int32, muted: Bool)] = []
    private var closed = false

    package init(to target: Int) throws {
        self.target = target
        let l = try Loopback.listenerThatNeverAccepts()
        listener = l.fd
        port = l.port
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    package func muteReplies() {
        lock.lock(); defer { lock.unlock() }
        for i in connections.indices { connections[i].muted = true }
    }

    package func close() {
        lock.lock()
        closed = true
        let all = connections
        connections.removeAll()
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        for c in all { shutdown(c.client, Int32(SHUT_RDWR)); shutdown(c.server, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = in_port_t(UInt16(target).bigEndian)
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 else { Glibc.close(client); Glibc.close(server); continue }
            lock.lock()
            if closed { lock.unlock(); Glibc.close(client); Glibc.close(server); return }
            connections.append((client, server, false))
            lock.unlock()
            Thread.detachNewThread { [self] in pump(from: client, to: server, replies: false) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, replies: true) }
        }
    }

    private func pump(from: Int32, to: Int32, replies: Bool) {
        var buf = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(from, &buf, buf.count)
            if n <= 0 { break }
            lock.lock()
            let muted = replies && connections.contains { ($0.server == from) && $0.muted }
            lock.unlock()
            if muted { continue }
            var off = 0
            while off < n {
                let w = buf[off..<n].withUnsafeBytes { write(to, $0.baseAddress, n - off) }
                if w <= 0 { return }
                off += w
            }
        }
        shutdown(to, Int32(SHUT_WR))
    }
}
