import CLDAP
#if canImport(Glibc)
import Glibc
#endif

/// libldap wants its first call and every global option set made on the main thread, before
/// other threads start. `pwsync` calls this first thing in `main`; tests call it in `setUp`.
package enum LDAPLibrary {
    package static func initializeOnMainThread() {
        // libldap writes to its sockets without MSG_NOSIGNAL on Linux: a directory that closed the
        // connection would otherwise kill the whole process with SIGPIPE instead of returning -1.
        signal(SIGPIPE, SIG_IGN)
        // Global default as well as per handle: no code path may ever build a non-verifying context.
        var demand = Int32(LDAP_OPT_X_TLS_DEMAND)
        ldap_set_option(nil, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand)
        var v3 = Int32(LDAP_VERSION3)
        ldap_set_option(nil, LDAP_OPT_PROTOCOL_VERSION, &v3)
    }

    /// The SASL mechanisms Cyrus SASL can offer this process (`GSSAPI` needs
    /// libsasl2-modules-gssapi-mit): checked before start-up rather than at the first bind.
    package static func saslMechanisms() -> [String] {
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        guard ldap_get_option(nil, LDAP_OPT_X_SASL_MECHLIST, &list) == LDAP_OPT_SUCCESS, let list else { return [] }
        var out: [String] = []
        var i = 0
        while let m = list[i] {
            out.append(String(cString: m))
            i += 1
        }
        return out
    }

    /// The servers DNS names for `name`'s LDAP service (`_ldap._tcp.<name>` SRV records), in the
    /// order libldap ranks them (priority, then weight); empty when there is no record.
    package static func srvServers(_ name: String) -> [(host: String, port: Int)] {
        var list: UnsafeMutablePointer<CChar>?
        guard ldap_domain2hostlist(name, &list) == LDAP_SUCCESS, let list else { return [] }
        defer { ldap_memfree(list) }
        return String(cString: list).split(separator: " ").compactMap { entry in
            guard let colon = entry.lastIndex(of: ":"), let port = Int(entry[entry.index(after: colon)...]) else {
                return entry.isEmpty ? nil : (String(entry), 389)
            }
            return (String(entry[..<colon]), port)
        }
    }
}
