#if canImport(Glibc)
import Glibc
#endif

/// Reads a secret (the directory service account's password) from a file straight into a `Secret`,
/// dropping one trailing newline. Refuses files anyone on the machine can read.
package enum SecretFile {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package static let maxSize = 4096

    /// A file whose content others could change (config, certificate): group- or world-writable is refused.
    package static func checkNotWritableByOthers(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw Failure(description: "file \(path) does not exist or is not readable") }
        guard st.st_mode & 0o022 == 0 else {
            throw Failure(description: "\(path) is writable by users other than its owner (mode \(String(st.st_mode & 0o777, radix: 8))); anyone who can write it controls pwsync. Run: chmod go-w \(path)")
        }
    }

    /// The checks `read` makes before reading, from the file's metadata alone (for config validation).
    package static func checkPermissions(_ path: String) throws {
        guard access(path, R_OK) == 0 else { throw Failure(description: "file \(path) does not exist or is not readable") }
        var st = stat()
        guard stat(path, &st) == 0 else { throw Failure(description: "cannot stat \(path)") }
        try check(st, path)
        guard st.st_size > 0 else { throw Failure(description: "\(path) is empty") }
    }

    private static func check(_ st: stat, _ path: String) throws {
        guard st.st_mode & 0o022 == 0 else {
            throw Failure(description: "\(path) is writable by users other than its owner (mode \(String(st.st_mode & 0o777, radix: 8))); run: chmod go-w \(path)")
        }
        guard st.st_mode & 0o004 == 0 else {
            throw Failure(description: "\(path) is readable by every user on this machine; run: chmod o-rwx \(path)")
        }
        guard st.st_size <= maxSize else { throw Failure(description: "\(path) is larger than \(maxSize) bytes; it should hold just the password") }
    }

    package static func read(_ path: String) throws -> Secret {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(description: "cannot stat \(path)") }
        try check(st, path)
        var readError: Int32 = 0
        let secret = Secret(capacity: maxSize) { buf in
            var n = 0
            while n < buf.count {
                let r = Glibc.read(fd, buf.baseAddress! + n, buf.count - n)
                if r < 0 { if errno == EINTR { continue }; readError = errno; return 0 }
                if r == 0 { break }
                n += r
            }
            if n > 0 && buf[n - 1] == 0x0a { n -= 1 }
            if n > 0 && buf[n - 1] == 0x0d { n -= 1 }
            return n
        }
        if readError != 0 { throw Failure(description: "cannot read \(path): \(String(cString: strerror(readError)))") }
        guard !secret.isEmpty else { throw Failure(description: "\(path) is empty") }
        return secret
    }
}
