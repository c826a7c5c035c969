import CKerberos
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// pwsync's own Kerberos identity, from a keytab: initial tickets are fetched into a private
/// in-memory cache (`MEMORY:`, this process only) and fetched again before they expire. The
/// system's default cache, the keytab and the environment of other processes are never written.
///
/// Calls block on the network (the KDC): make them from a thread that may block, such as an LDAP
/// connection's own queue.
package final class KeytabCredentials: Sendable {
    package let keytab: String
    /// `name@REALM`; nil = the host's machine account, found in the keytab.
    package let configuredPrincipal: String?
    /// Told of every ticket fetched (for the log): proof of renewal, and what `check-config` shows.
    private let onAcquire: @Sendable (KerberosTicket) -> Void
    private let state = Mutex<State>(State())

    private struct State {
        var ticket: KerberosTicket?
        var generation = 0
        /// The cache the previous ticket sits in: a bind that started with it may still be reading it.
        var previousCache: String?
        /// Hosts whose service ticket the current ticket's cache already holds.
        var servicesCached: Set<String> = []
    }

    package init(keytab: String, principal: String?, onAcquire: @escaping @Sendable (KerberosTicket) -> Void = { _ in }) {
        self.keytab = keytab
        self.configuredPrincipal = principal
        self.onAcquire = onAcquire
    }

    /// A ticket with enough life left for a bind, fetched from the KDC when the current one is close
    /// to expiry (or there is none yet), or when `replacing` is the current one (the KDC refused it).
    package func ticket(replacing stale: KerberosTicket? = nil) throws(KerberosFailure) -> KerberosTicket {
        try state.withLock { s throws(KerberosFailure) in
            if let t = s.ticket, t != stale, !t.needsRenewal(at: Int64(time(nil))) { return t }
            s.generation += 1
            let t = try acquire(cacheName: "MEMORY:pwsync-\(getpid())-\(s.generation)")
            if let old = s.previousCache { Self.destroyCache(old) }
            s.previousCache = s.ticket?.cacheName
            s.ticket = t
            s.servicesCached = []
            onAcquire(t)
            return t
        }
    }

    /// A ticket for a bind to `host`, its service ticket already in the cache: a missing service
    /// principal is named here, before SASL would reduce it to "generic failure". A ticket the KDC
    /// finds too old is replaced once.
    package func ticket(forHost host: String) throws(KerberosFailure) -> KerberosTicket {
        let current = try ticket()
        if state.withLock({ $0.ticket == current && $0.servicesCached.contains(host) }) { return current }
        do {
            try checkService(host: host, with: current)
            state.withLock { if $0.ticket == current { $0.servicesCached.insert(host) } }
            return current
        } catch .ticketExpired {
            let fresh = try ticket(replacing: current)
            try checkService(host: host, with: fresh)
            state.withLock { if $0.ticket == fresh { $0.servicesCached.insert(host) } }
            return fresh
        }
    }

    /// Fetches the service ticket for `ldap/host` into `ticket`'s cache.
    func checkService(host: String, with ticket: KerberosTicket) throws(KerberosFailure) {
        let spn = "ldap/\(host)@\(ticket.realm)"
        let k = try Context()
        var cc: krb5_ccache?
        try k.check(krb5_cc_resolve(k.ctx, ticket.cacheName, &cc), "opening the ticket cache", ticket)
        defer { krb5_cc_close(k.ctx, cc) }
        var client: krb5_principal?
        try k.check(krb5_cc_get_principal(k.ctx, cc, &client), "reading the ticket cache", ticket)
        defer { krb5_free_principal(k.ctx, client) }
        var server: krb5_principal?
        try k.check(krb5_parse_name(k.ctx, spn, &server), "parsing \(spn)", ticket)
        defer { krb5_free_principal(k.ctx, server) }
        var request = krb5_creds()
        request.client = client
        request.server = server
        var out: UnsafeMutablePointer<krb5_creds>?
        try k.check(krb5_get_credentials(k.ctx, 0, cc, &request, &out), "getting a ticket for \(spn)", ticket, service: spn)
        krb5_free_creds(k.ctx, out)
    }

    // MARK: - krb5 calls

    private func acquire(cacheName: String) throws(KerberosFailure) -> KerberosTicket {
        try Self.checkReadable(keytab)
        let k = try Context()
        var kt: krb5_keytab?
        let unknown = KerberosTicket(principal: configuredPrincipal ?? "", realm: "", kdc: nil, start: 0, end: 0, cacheName: cacheName)
        try k.check(krb5_kt_resolve(k.ctx, "FILE:\(keytab)", &kt), "opening keytab \(keytab)", unknown, keytab: keytab)
        defer { krb5_kt_close(k.ctx, kt) }
        let name: String
        if let configuredPrincipal { name = configuredPrincipal } else { name = try machinePrincipal(k, kt) }
        var principal: krb5_principal?
        try k.check(krb5_parse_name(k.ctx, name, &principal), "parsing principal \(name)", unknown)
        defer { krb5_free_principal(k.ctx, principal) }
        let realm = principal.map { String(decoding: UnsafeRawBufferPointer(start: $0.pointee.realm.data, count: Int($0.pointee.realm.length)), as: UTF8.self) } ?? ""
        let named = KerberosTicket(principal: name, realm: realm, kdc: nil, start: 0, end: 0, cacheName: cacheName)

        var cc: krb5_ccache?
        try k.check(krb5_cc_resolve(k.ctx, cacheName, &cc), "creating the in-memory ticket cache", named)
        defer { krb5_cc_close(k.ctx, cc) }
        var opts: UnsafeMutablePointer<krb5_get_init_creds_opt>?
        try k.check(krb5_get_init_creds_opt_alloc(k.ctx, &opts), "preparing the ticket request", named)
        defer { krb5_get_init_creds_opt_free(k.ctx, opts) }
        // krb5 initialises the cache and stores the ticket in it.
        try k.check(krb5_get_init_creds_opt_set_out_ccache(k.ctx, opts, cc), "preparing the ticket request", named)

        let trace = KDCTrace()
        let box = Unmanaged.passRetained(trace)
        defer { box.release() }
        krb5_set_trace_callback(k.ctx, { _, info, data in
            guard let info, let message = info.pointee.message, let data else { return }
            Unmanaged<KDCTrace>.fromOpaque(data).takeUnretainedValue().note(String(cString: message))
        }, box.toOpaque())
        defer { krb5_set_trace_callback(k.ctx, nil, nil) }

        var creds = krb5_creds()
        try k.check(krb5_get_init_creds_keytab(k.ctx, &creds, principal, kt, 0, nil, opts), "getting a ticket with keytab \(keytab)", named, keytab: keytab)
        defer { krb5_free_cred_contents(k.ctx, &creds) }
        let start = creds.times.starttime != 0 ? creds.times.starttime : creds.times.authtime
        return KerberosTicket(principal: k.unparse(creds.client) ?? name, realm: realm, kdc: trace.answeredBy,
                              start: Int64(start), end: Int64(creds.times.endtime), cacheName: cacheName)
    }

    /// The keytab entry that is this host's machine account.
    private func machinePrincipal(_ k: Context, _ kt: krb5_keytab?) throws(KerberosFailure) -> String {
        var names: [String] = []
        var cursor: krb5_kt_cursor?
        if krb5_kt_start_seq_get(k.ctx, kt, &cursor) == 0 {
            var entry = krb5_keytab_entry()
            while krb5_kt_next_entry(k.ctx, kt, &entry, &cursor) == 0 {
                if let n = k.unparse(entry.principal), !names.contains(n) { names.append(n) }
                krb5_free_keytab_entry_contents(k.ctx, &entry)
            }
            krb5_kt_end_seq_get(k.ctx, kt, &cursor)
        }
        var buf = [UInt8](repeating: 0, count: 256)
        gethostname(&buf, buf.count - 1)
        let host = String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        guard let p = MachinePrincipal.pick(from: names, host: host) else {
            throw .noMachineAccount(path: keytab, expected: MachinePrincipal.accountName(forHost: host), found: names)
        }
        return p
    }

    /// Opened as this process (the service user), so the answer is the one the service gets.
    private static func checkReadable(_ path: String) throws(KerberosFailure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { close(fd); return }
        switch errno {
        case ENOENT: throw .keytabMissing(path: path)
        default:
            let user = getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(geteuid())"
            throw .keytabUnreadable(path: path, user: user)
        }
    }

    private static func destroyCache(_ name: String) {
        guard let k = try? Context() else { return }
        var cc: krb5_ccache?
        if krb5_cc_resolve(k.ctx, name, &cc) == 0 { krb5_cc_destroy(k.ctx, cc) }
    }
}

/// One krb5 context per call: contexts are not shared between threads.
private final class Context {
    let ctx: krb5_context?

    init() throws(KerberosFailure) {
        var c: krb5_context?
        let rc = krb5_init_context(&c)
        guard rc == 0 else { throw .other(operation: "reading the Kerberos configuration", code: rc, message: "check /etc/krb5.conf") }
        ctx = c
    }

    deinit { krb5_free_context(ctx) }

    func check(_ rc: krb5_error_code, _ operation: String, _ ticket: KerberosTicket, keytab: String = "",
               service: String? = nil) throws(KerberosFailure) {
        guard rc != 0 else { return }
        var message = "error \(rc)"
        if let m = krb5_get_error_message(ctx, rc) {
            message = String(cString: m)
            krb5_free_error_message(ctx, m)
        }
        throw KerberosFailure.from(code: rc, operation: operation, principal: ticket.principal, realm: ticket.realm,
                                   keytab: keytab, service: service, message: message)
    }

    func unparse(_ p: krb5_principal?) -> String? {
        var out: UnsafeMutablePointer<CChar>?
        guard let p, krb5_unparse_name(ctx, p, &out) == 0, let out else { return nil }
        defer { krb5_free_unparsed_name(ctx, out) }
        return String(cString: out)
    }
}

/// Remembers which KDC answered, from krb5's trace ("[pid] time: Received answer (N bytes) from stream 10.0.0.1:88").
private final class KDCTrace: @unchecked Sendable {
    // Written only by krb5 on the thread that called it, read after that call returned.
    private(set) var answeredBy: String?

    func note(_ message: String) {
        guard message.contains("Received answer"), let peer = message.split(whereSeparator: { $0 == " " || $0 == "\n" }).last else { return }
        answeredBy = String(peer)
    }
}
