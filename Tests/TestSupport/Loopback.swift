import Foundation
#if canImport(Glibc)
import Glibc
#endif

package enum Loopback {
    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks, and that port.
    static func boundSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// A 127.0.0.1 port nothing listens on right now (the kernel picks it; the socket is closed again).
    package static func freePort() throws -> Int {
        let s = try boundSocket()
        close(s.fd)
        return s.port
    }

    /// A 127.0.0.1 listener that never accepts: the kernel completes TCP handshakes for it, and
    /// nothing is ever answered (a hung server). Close `fd` when done.
    package static func listenerThatNeverAccepts() throws -> (fd: Int32, port: Int) {
        let s = try boundSocket()
        guard listen(s.fd, 64) == 0 else { close(s.fd); throw POSIXError(.EADDRINUSE) }
        return s
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` right now.
    package static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
