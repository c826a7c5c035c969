import CLDAP
#if canImport(Glibc)
import Glibc
#endif

/// libldap wants its first call and every global option set made on the main thread, before
/// other threads start. `pwsync` calls this first thing in `main`; tests call it in `setUp`.
public enum LDAPLibrary {
    public static func initializeOnMainThread() {
        // libldap writes to its sockets without MSG_NOSIGNAL on Linux: a directory that closed the
        // connection would otherwise kill the whole process with SIGPIPE instead of returning -1.
        signal(SIGPIPE, SIG_IGN)
        // Global default as well as per handle: no code path may ever build a non-verifying context.
        var demand = Int32(LDAP_OPT_X_TLS_DEMAND)
        ldap_set_option(nil, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand)
        var v3 = Int32(LDAP_VERSION3)
        ldap_set_option(nil, LDAP_OPT_PROTOCOL_VERSION, &v3)
    }
}
