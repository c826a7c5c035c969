import Crypto
import FoundationEssentials
import Secrets
#if canImport(Glibc)
import Glibc
#endif

/// The sealing key on disk: one fixed-length line, overwritten in place (and fsynced) each time
/// the key evolves, so the previous epoch's key does not survive in the file.
///
/// `pwsync-seal-v1 <epoch:20> <start:20> <interval:10> <key:64 hex>\n`
package enum SealKeyFile {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    static let lineLength = SealKey.version.count + 1 + 20 + 1 + 20 + 1 + 10 + 1 + 64 + 1

    /// Creates `path` (mode 0600, never over an existing file) holding `key`.
    package static func create(_ path: String, _ key: SealKey) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try write(fd, key, path)
    }

    /// Reads the key, refusing a file that anyone but its owner (the user pwsync runs as) can read.
    package static func load(_ path: String) throws -> SealKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open the sealing key \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { throw Failure(description: "\(path) is not a regular file") }
        guard st.st_mode & 0o077 == 0 else {
            throw Failure(description: "the sealing key \(path) is readable or writable by others (mode \(String(st.st_mode & 0o777, radix: 8))); run: chmod 0600 \(path)")
        }
        guard st.st_uid == geteuid() else {
            throw Failure(description: "the sealing key \(path) is not owned by the user pwsync runs as (uid \(geteuid())); chown it to that user")
        }
        var buf = [UInt8](repeating: 0, count: lineLength)
        defer { wipe(&buf) }
        guard read(fd, &buf, lineLength) == lineLength else { throw Failure(description: "\(path) is not a pwsync sealing key") }
        let fields = buf.dropLast().split(separator: 0x20)
        guard fields.count == 5, String(decoding: fields[0], as: UTF8.self) == SealKey.version,
              let epoch = UInt64(String(decoding: fields[1], as: UTF8.self)),
              let start = Int64(String(decoding: fields[2], as: UTF8.self)),
              let interval = Int64(String(decoding: fields[3], as: UTF8.self)), interval > 0,
              var raw = Hex.decode(String(decoding: fields[4], as: UTF8.self)), raw.count == 32
        else { throw Failure(description: "\(path) is not a pwsync sealing key") }
        defer { wipe(&raw) }
        return SealKey(epoch: epoch, start: start, interval: interval, key: SymmetricKey(data: raw))
    }

    /// Overwrites the key in place and waits for the disk.
    package static func store(_ path: String, _ key: SealKey) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open the sealing key \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try write(fd, key, path)
    }

    private static func write(_ fd: Int32, _ key: SealKey, _ path: String) throws {
        func padded(_ v: some BinaryInteger, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var line = Array("\(SealKey.version) \(padded(key.epoch, 20)) \(padded(key.start, 20)) \(padded(key.interval, 10)) ".utf8)
        key.withKeyBytes { for b in $0 { Hex.append(b, to: &line) } }
        line.append(0x0a)
        defer { wipe(&line) }
        guard line.count == lineLength, pwrite(fd, line, line.count, 0) == line.count, fsync(fd) == 0 else {
            throw Failure(description: "cannot write the sealing key \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let p = $0.baseAddress { explicit_bzero(p, $0.count) } }
    }
}
