import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP listener that accepts connections and counts every byte it receives.
final class ByteRecorder: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var received = 0
    private var done = false

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        guard withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }) == 0,
              listen(fd, 8) == 0 else { throw NSError(domain: "ByteRecorder", code: 1) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in self.loop() }.start()
    }

    private func loop() {
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var clients: [Int32] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while !(lock.withLock { done }) {
            let c = accept(fd, nil, nil)
            if c >= 0 {
                setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                clients.append(c)
            }
            for c in clients {
                let n = recv(c, &buf, buf.count, 0)
                if n > 0 { lock.withLock { received += n } }
            }
        }
        clients.forEach { close($0) }
        close(fd)
    }

    /// Stops listening and returns how many bytes arrived in total.
    func finish() -> Int {
        Thread.sleep(forTimeInterval: 0.5)
        lock.withLock { done = true }
        Thread.sleep(forTimeInterval: 0.3)
        return lock.withLock { received }
    }
}
