import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// MIT Kerberos turns the host name in `ldap://dc1.example.com` into a service principal by asking
/// DNS, reverse lookup included, unless krb5.conf says otherwise: a spoofed or stale PTR record then
/// picks the server pwsync authenticates to. GSS-API reads its settings only from the profile files
/// named by `KRB5_CONFIG`, so pwsync puts a small file of its own in front of the system's
/// (first file wins) for its own process, before any Kerberos call.
package enum KerberosProfile {
    static let overlay = """
        # Written by pwsync for its own process: service principals come from the names in its config.
        [libdefaults]
        \tdns_canonicalize_hostname = false
        \trdns = false

        """

    /// Puts the overlay first in this process's `KRB5_CONFIG`; the system's krb5.conf (or the
    /// `KRB5_CONFIG` pwsync was started with) still supplies realms and KDCs. Call once at
    /// start-up, before any thread uses Kerberos. Returns the overlay's path.
    @discardableResult
    package static func useLiteralHostNames() throws(KerberosFailure) -> String {
        let base = getenv("RUNTIME_DIRECTORY").map { String(cString: $0) }.flatMap { $0.split(separator: ":").first.map(String.init) }
            ?? getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/pwsync-krb5.XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else {
            throw .other(operation: "writing pwsync's Kerberos settings", code: errno, message: "cannot create a directory in \(base)")
        }
        let path = String(cString: dir) + "/krb5.conf"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .other(operation: "writing pwsync's Kerberos settings", code: errno, message: "cannot create \(path)") }
        defer { close(fd) }
        let bytes = Array(overlay.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw .other(operation: "writing pwsync's Kerberos settings", code: errno, message: "cannot write \(path)")
        }
        let system = getenv("KRB5_CONFIG").map { String(cString: $0) } ?? "/etc/krb5.conf"
        setenv("KRB5_CONFIG", "\(path):\(system)", 1)
        written.withLock { $0 = String(cString: dir) }
        return path
    }

    private static let written = Mutex<String?>(nil)

    /// Deletes the overlay when pwsync is done with Kerberos (at exit).
    package static func removeOverlay() {
        guard let dir = written.withLock({ d in defer { d = nil }; return d }) else { return }
        unlink(dir + "/krb5.conf")
        rmdir(dir)
    }
}
