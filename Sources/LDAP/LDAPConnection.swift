import CKerberos
import CLDAP
import CLDAPOpenGuard
import Dispatch
import Executors
import LDAPSyntax
import Secrets
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One libldap handle, an actor whose executor is its own serial queue.
///
/// libldap calls block; running them on a private `DispatchQueue` keeps them off Swift's
/// cooperative pool, and one handle per connection is what libldap 2.5 asks for. Every operation
/// is one synchronous method on the actor: no suspension between the C calls it makes.
///
/// Nothing is sent unless libldap reports TLS in place on this handle (`ldap_tls_inplace`), or a
/// GSSAPI bind negotiated a confidentiality layer, whatever the server would accept.
package actor LDAPConnection {
    package nonisolated let options: LDAPConnectionOptions
    private nonisolated let executor: QueueExecutor
    private var ld: OpaquePointer?
    /// The deadline on opening (libldap keeps a pointer to its callbacks until unbind).
    private var openGuard: OpenGuard?
    private var tlsInPlace = false
    /// A GSSAPI bind installed a confidentiality layer (SASL SSF ≥ 56) on this plain connection.
    private var sealed = false
    private var broken = false
    /// Set when an operation here timed out or lost the server (LDAP_TIMEOUT, LDAP_SERVER_DOWN),
    /// even if its caller swallowed the error (a read-back after a write that landed): the pool
    /// reads it without a hop onto this connection's thread, and stops sending to that server.
    private nonisolated let unanswered = Atomic<Bool>(false)
    package nonisolated var serverStoppedAnswering: Bool { unanswered.load(ordering: .relaxed) }

    package nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(options: LDAPConnectionOptions) {
        self.options = options
        self.executor = QueueExecutor(label: "pwsync.ldap.\(options.url.host)")
    }

    isolated deinit {
        if let ld { ldap_unbind_ext_s(ld, nil, nil) }
    }

    /// Opens the connection and, for `ldaps://` or StartTLS, completes and checks the TLS handshake.
    /// A plain `ldap://` URL without StartTLS never opens a socket: every operation on it is refused.
    package static func connect(_ options: LDAPConnectionOptions) async throws -> LDAPConnection {
        let conn = LDAPConnection(options: options)
        try await conn.open()
        return conn
    }

    /// False once a transport-level error was seen: the pool must not reuse this connection.
    package var isUsable: Bool { !broken && ld != nil }

    /// An idle LDAP connection has nothing to read. If its socket is readable, hung up or in error,
    /// the server closed it (restart, idle timeout, notice of disconnection): do not send on it.
    package var isAlive: Bool {
        guard let ld, !broken else { return false }
        var fd: Int32 = -1
        guard ldap_get_option(ld, LDAP_OPT_DESC, &fd) == LDAP_OPT_SUCCESS, fd >= 0 else { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) >= 0 else { return false }
        return p.revents == 0
    }

    package func simpleBind(dn: String, password: Secret) throws {
        let ld = try handle("bind")
        var rc: Int32 = 0
        password.withUnsafeBytes { raw in
            var cred = berval(bv_len: ber_len_t(raw.count),
                              bv_val: UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: CChar.self)))
            rc = ldap_sasl_bind_s(ld, dn, pwsync_ldap_sasl_simple(), &cred, nil, nil, nil)
        }
        if rc != LDAP_SUCCESS { throw failure(rc, "bind") }
    }

    /// SASL GSSAPI bind with the Kerberos tickets in `cacheName` (a `MEMORY:` cache of this process,
    /// selected for this thread only). Over TLS, GSSAPI only authenticates: AD refuses a second
    /// protection layer inside TLS. Over plain `ldap://` it must seal, or the connection is refused.
    package func gssapiBind(cacheName: String) throws {
        guard let ld, !broken else { throw LDAPError(kind: .result(.serverDown), operation: "GSSAPI bind", safeToRetry: true) }
        guard tlsInPlace || options.saslSealing else { throw LDAPError(kind: .insecureConnection, operation: "GSSAPI bind") }
        // The service principal is ldap/<host as written in the URL>: no reverse lookup of the peer.
        try setOption(LDAP_OPT_X_SASL_NOCANON, pwsync_ldap_opt_on())
        try (tlsInPlace ? "maxssf=0" : "minssf=56").withCString { try setOption(LDAP_OPT_X_SASL_SECPROPS, $0) }
        if tlsInPlace {
            // Bind the Kerberos authentication to this TLS session (tls-server-end-point, RFC 5929):
            // what AD's LdapEnforceChannelBinding checks, and what stops a TLS-terminating relay.
            var binding = Int32(LDAP_OPT_X_SASL_CBINDING_TLS_ENDPOINT)
            try setOption(LDAP_OPT_X_SASL_CBINDING, &binding)
        }
        var minor: OM_uint32 = 0
        _ = gss_krb5_ccache_name(&minor, cacheName, nil)
        defer { _ = gss_krb5_ccache_name(&minor, nil, nil) }
        let rc = ldap_sasl_interactive_bind_s(ld, nil, "GSSAPI", nil, nil, LDAP_SASL_QUIET, pwsync_sasl_interact_proc(), nil)
        if rc != LDAP_SUCCESS { throw failure(rc, "GSSAPI bind") }
        if !tlsInPlace {
            var ssf: ber_len_t = 0
            _ = ldap_get_option(ld, LDAP_OPT_X_SASL_SSF, &ssf)
            sealed = ssf >= 56
            if !sealed {
                broken = true
                throw LDAPError(kind: .insecureConnection, operation: "GSSAPI bind")
            }
        }
    }

    /// Several operations in one visit to this connection's thread: no hop back to the caller
    /// between them (a write and its read-back cost one round of thread switches, not two).
    package func perform<T: Sendable>(_ body: @Sendable (isolated LDAPConnection) throws -> T) throws -> T {
        try body(self)
    }

    /// Entries pwsync reads in one page of a subtree search (RFC 2696 paged results).
    package static let pageSize: Int32 = 500

    /// A search. A subtree search without a size limit goes page by page (RFC 2696), so a large
    /// directory is read whole instead of being cut at the server's size limit.
    package func search(base: String, scope: LDAPScope, filter: LDAPFilter, attributes: [String],
                       sizeLimit: Int32 = 0) throws -> [LDAPEntry] {
        let ld = try handle("search")
        let filter = filter.text
        let paged = scope == .subtree && sizeLimit == 0
        return try withCStringArray(attributes) { attrs in
            var entries: [LDAPEntry] = []
            var cookie: [UInt8] = []
            repeat {
                var tv = LDAPTimeout.timeval(options.operationTimeout)
                var res: OpaquePointer?
                defer { if res != nil { ldap_msgfree(res) } }
                var pageControl: UnsafeMutablePointer<CLDAP.LDAPControl>?
                if paged {
                    let rc = cookie.withUnsafeMutableBytes { raw -> Int32 in
                        var bv = berval(bv_len: ber_len_t(raw.count), bv_val: raw.baseAddress?.assumingMemoryBound(to: CChar.self))
                        return ldap_create_page_control(ld, Self.pageSize, &bv, 0, &pageControl)
                    }
                    if rc != LDAP_SUCCESS { throw failure(rc, "search", safeToRetry: true) }
                }
                defer { if let pageControl { ldap_control_free(pageControl) } }
                var serverControls: [UnsafeMutablePointer<CLDAP.LDAPControl>?] = [pageControl, nil]
                let rc = serverControls.withUnsafeMutableBufferPointer { ctrls in
                    ldap_search_ext_s(ld, base, scope.rawValue, filter, attrs, 0, paged ? ctrls.baseAddress : nil, nil, &tv, sizeLimit, &res)
                }
                guard rc == LDAP_SUCCESS || (rc == LDAP_SIZELIMIT_EXCEEDED && res != nil) else {
                    throw failure(rc, "search", safeToRetry: true)
                }
                entries += readEntries(ld, res)
                cookie = paged ? nextPageCookie(ld, res) : []
            } while !cookie.isEmpty
            return entries
        }
    }

    /// The paged-results cookie of a search result; empty when this was the last page (or the
    /// server does not page).
    private func nextPageCookie(_ ld: OpaquePointer, _ res: OpaquePointer?) -> [UInt8] {
        var controls: UnsafeMutablePointer<UnsafeMutablePointer<CLDAP.LDAPControl>?>?
        var err: Int32 = 0
        guard ldap_parse_result(ld, res, &err, nil, nil, nil, &controls, 0) == LDAP_SUCCESS, let controls else { return [] }
        defer { ldap_controls_free(controls) }
        var i = 0
        while let c = controls[i] {
            if String(cString: c.pointee.ldctl_oid) == "1.2.840.113556.1.4.319" {
                var count: ber_int_t = 0
                var cookie = berval(bv_len: 0, bv_val: nil)
                guard ldap_parse_pageresponse_control(ld, c, &count, &cookie) == LDAP_SUCCESS else { return [] }
                defer { ber_memfree(cookie.bv_val) }
                guard let p = cookie.bv_val, cookie.bv_len > 0 else { return [] }
                return Array(UnsafeRawBufferPointer(start: p, count: Int(cookie.bv_len)))
            }
            i += 1
        }
        return []
    }

    /// Modify with binary values (a `Secret` value is copied into wiped memory for the call only).
    package func modify(dn: String, _ modifications: [LDAPModification], controls: [LDAPControl] = []) throws {
        let ld = try handle("modify")
        try withMods(modifications) { mods in
            try withControls(controls) { ctrls in
                var msgid: Int32 = 0
                let rc = ldap_modify_ext(ld, dn, mods, ctrls, nil, &msgid)
                if rc != LDAP_SUCCESS { throw failure(rc, "modify", safeToRetry: true) }
                try awaitResult(ld, msgid, "modify")
            }
        }
    }

    /// Add with binary values; an attribute list in `LDAPModification`s (their operation is ignored).
    package func add(dn: String, _ attributes: [LDAPModification], controls: [LDAPControl] = []) throws {
        let ld = try handle("add")
        let asAdds = attributes.map { LDAPModification(.add, $0.attribute, $0.values) }
        try withMods(asAdds) { mods in
            try withControls(controls) { ctrls in
                var msgid: Int32 = 0
                let rc = ldap_add_ext(ld, dn, mods, ctrls, nil, &msgid)
                if rc != LDAP_SUCCESS { throw failure(rc, "add", safeToRetry: true) }
                try awaitResult(ld, msgid, "add")
            }
        }
    }

    package func delete(dn: String) throws {
        let ld = try handle("delete")
        var msgid: Int32 = 0
        let rc = ldap_delete_ext(ld, dn, nil, nil, &msgid)
        if rc != LDAP_SUCCESS { throw failure(rc, "delete", safeToRetry: true) }
        try awaitResult(ld, msgid, "delete")
    }

    /// ModifyDN (RFC 4511 §4.9) within the same parent: the entry's RDN becomes `newRDN` (already
    /// escaped, e.g. `cn=Sales EMEA`), the old RDN value removed.
    package func rename(dn: String, newRDN: String) throws {
        let ld = try handle("rename")
        var msgid: Int32 = 0
        let rc = ldap_rename(ld, dn, newRDN, nil, 1, nil, nil, &msgid)
        if rc != LDAP_SUCCESS { throw failure(rc, "rename", safeToRetry: true) }
        try awaitResult(ld, msgid, "rename")
    }

    /// RFC 3062 Password Modify as an administrator reset (no old password): the server hashes it.
    package func passwordModify(userDN: String, newPassword: Secret, controls: [LDAPControl] = []) throws {
        let ld = try handle("password modify")
        try withControls(controls) { ctrls in
            try newPassword.withUnsafeBytes { raw in
                try userDN.withCString { dnPtr in
                    var user = berval(bv_len: ber_len_t(strlen(dnPtr)), bv_val: UnsafeMutablePointer(mutating: dnPtr))
                    var new = berval(bv_len: ber_len_t(raw.count),
                                     bv_val: UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: CChar.self)))
                    var msgid: Int32 = 0
                    let rc = ldap_passwd(ld, &user, nil, &new, ctrls, nil, &msgid)
                    if rc != LDAP_SUCCESS { throw failure(rc, "password modify", safeToRetry: true) }
                    try awaitResult(ld, msgid, "password modify")
                }
            }
        }
    }

    package func close() {
        if let ld { ldap_unbind_ext_s(ld, nil, nil) }
        ld = nil
        openGuard = nil
        broken = true
    }

    // MARK: - Helpers (on the connection's queue)

    private func handle(_ op: String) throws -> OpaquePointer {
        guard let ld, !broken else { throw LDAPError(kind: .result(.serverDown), operation: op, safeToRetry: true) }
        // pwsync only ever talks to a directory as its service account, which needs a password.
        try requireTLS(op)
        return ld
    }

    private func requireTLS(_ op: String) throws {
        guard tlsInPlace || sealed else { throw LDAPError(kind: .insecureConnection, operation: op) }
    }

    private func open() throws {
        var handle: OpaquePointer?
        var rc = ldap_initialize(&handle, options.url.description)
        guard rc == LDAP_SUCCESS, let handle else { throw failure(rc, "connect") }
        ld = handle

        var version = Int32(LDAP_VERSION3)
        try setOption(LDAP_OPT_PROTOCOL_VERSION, &version)
        // AD referrals would be chased with an anonymous bind.
        try setOption(LDAP_OPT_REFERRALS, pwsync_ldap_opt_off())
        var connectTV = LDAPTimeout.timeval(options.connectTimeout)
        try setOption(LDAP_OPT_NETWORK_TIMEOUT, &connectTV)
        var opTV = LDAPTimeout.timeval(options.operationTimeout)
        try setOption(LDAP_OPT_TIMEOUT, &opTV)
        guard let openGuard = OpenGuard() else { throw LDAPError(kind: .invalidArgument("out of memory"), operation: "connect") }
        self.openGuard = openGuard
        try setOption(LDAP_OPT_CONNECT_CB, pwsync_guard_callbacks(openGuard.pointer))
        // Never follow a server's lead into NEVER/ALLOW: DEMAND checks chain and host name.
        var demand = Int32(LDAP_OPT_X_TLS_DEMAND)
        try setOption(LDAP_OPT_X_TLS_REQUIRE_CERT, &demand)
        var minTLS = pwsync_ldap_tls_protocol_tls1_2()
        try setOption(LDAP_OPT_X_TLS_PROTOCOL_MIN, &minTLS)
        if let ca = options.caFile {
            try ca.withCString { try setOption(LDAP_OPT_X_TLS_CACERTFILE, $0) }
        }
        // Must come last: per-handle TLS options only take effect when this builds the context.
        var zero: Int32 = 0
        try setOption(LDAP_OPT_X_TLS_NEWCTX, &zero)

        // Without TLS (or sealing to come) nothing pwsync sends could be protected, so do not even
        // open the socket: every operation that follows is refused before libldap connects.
        guard options.wantsTLS || options.saslSealing else { return }
        // TCP and TLS within the connect timeout (plus the operation timeout for StartTLS's own
        // exchange); past it the socket is shut down under libldap and the open fails.
        let limit = options.connectTimeout + (options.startTLS ? options.operationTimeout : .zero)
        let timer = Task.detached { [openGuard] in
            try await Task.sleep(for: limit)
            openGuard.fire()
        }
        defer {
            timer.cancel()
            _ = openGuard.disarm()
        }
        // The deadline's cut shows as a transport error: say what it was.
        func failed(_ rc: Int32, _ op: String) -> LDAPError {
            openGuard.disarm() ? LDAPError(kind: .result(.timeout), operation: op) : failure(rc, op)
        }
        rc = ldap_connect(handle)
        if rc != LDAP_SUCCESS { throw failed(rc, options.url.scheme == .ldaps ? "connect (TLS)" : "connect") }
        if options.url.scheme == .ldap && options.startTLS {
            rc = ldap_start_tls_s(handle, nil, nil)
            if rc != LDAP_SUCCESS { throw failed(rc, "StartTLS") }
        }
        tlsInPlace = ldap_tls_inplace(handle) != 0
        if options.wantsTLS && !tlsInPlace {
            throw LDAPError(kind: .insecureConnection, operation: "connect")
        }
    }

    private func setOption(_ option: Int32, _ value: UnsafeRawPointer?) throws {
        let rc = ldap_set_option(ld, option, value)
        if rc != LDAP_OPT_SUCCESS {
            throw LDAPError(kind: .invalidArgument("libldap rejected option 0x\(String(option, radix: 16))"), operation: "connect")
        }
    }

    /// Waits for one result with the operation timeout, then parses code, diagnostic and controls.
    private func awaitResult(_ ld: OpaquePointer, _ msgid: Int32, _ op: String) throws {
        var tv = LDAPTimeout.timeval(options.operationTimeout)
        var res: OpaquePointer?
        let got = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res)
        if got == 0 {
            // Never used again for anything else; kept open, since the directory may still apply
            // the request and answer it (see `lateResult`).
            broken = true
            unanswered.store(true, ordering: .relaxed)
            throw LDAPError(kind: .result(.timeout), operation: op, outcomeUnknown: true,
                            unanswered: UnansweredRequest(connection: self, messageID: msgid, operation: op))
        }
        if got < 0 {
            let e = failure(currentResultCode(ld), op)
            throw LDAPError(kind: e.kind, operation: op, diagnostic: e.diagnostic, outcomeUnknown: true)
        }
        defer { ldap_msgfree(res) }
        try parseResult(ld, res, op)
    }

    /// Looks, for at most `wait`, for the answer to a request that timed out on this connection.
    package func lateResult(messageID: Int32, wait: Duration) -> LateResult {
        guard let ld else { return .connectionLost }
        var tv = LDAPTimeout.timeval(wait)
        var res: OpaquePointer?
        let got = ldap_result(ld, messageID, LDAP_MSG_ALL, &tv, &res)
        if got == 0 { return .waiting }
        if got < 0 { return .connectionLost }
        defer { ldap_msgfree(res) }
        do {
            try parseResult(ld, res, "late answer")
            return .succeeded
        } catch let e as LDAPError {
            return .failed(e)
        } catch {
            return .connectionLost
        }
    }

    /// Gives up on an unanswered request: asks the server to drop it, and closes the connection.
    package func abandon(messageID: Int32) {
        if let ld { ldap_abandon_ext(ld, messageID, nil, nil) }
        close()
    }

    /// The result code, diagnostic and ppolicy control of one result message (not freed here).
    private func parseResult(_ ld: OpaquePointer, _ res: OpaquePointer?, _ op: String) throws {
        var err: Int32 = 0
        var diag: UnsafeMutablePointer<CChar>?
        var rctrls: UnsafeMutablePointer<UnsafeMutablePointer<CLDAP.LDAPControl>?>?
        let prc = ldap_parse_result(ld, res, &err, nil, &diag, nil, &rctrls, 0)
        defer {
            if let diag { ldap_memfree(diag) }
            if let rctrls { ldap_controls_free(rctrls) }
        }
        if prc != LDAP_SUCCESS { throw failure(prc, op) }

        var ppErr: PasswordPolicyError?
        if let rctrls {
            var i = 0
            while let c = rctrls[i] {
                if String(cString: c.pointee.ldctl_oid) == LDAPControl.passwordPolicyRequest.oid {
                    var expire: ber_int_t = -1, grace: ber_int_t = -1
                    var pperr = PP_noError
                    if ldap_parse_passwordpolicy_control(ld, c, &expire, &grace, &pperr) == LDAP_SUCCESS,
                       pperr != PP_noError {
                        ppErr = PasswordPolicyError(rawValue: Int32(pperr.rawValue))
                    }
                }
                i += 1
            }
        }
        guard err == LDAP_SUCCESS else {
            throw LDAPError(kind: .result(LDAPResultCode(err)), operation: op, diagnostic: diag.map { String(cString: $0) }, passwordPolicyError: ppErr)
        }
    }

    private func currentResultCode(_ ld: OpaquePointer) -> Int32 {
        var code: Int32 = -1
        ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &code)
        return code
    }

    /// Builds the error for a failed call, reading libldap's diagnostic for client-side detail.
    private func failure(_ rc: Int32, _ op: String, safeToRetry: Bool = false) -> LDAPError {
        var diagText: String?
        if let ld {
            var diag: UnsafeMutablePointer<CChar>?
            if ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS, let diag {
                diagText = String(cString: diag)
                ldap_memfree(diag)
            }
        }
        if rc < 0 { broken = true }
        if rc == LDAP_TIMEOUT || rc == LDAP_SERVER_DOWN { unanswered.store(true, ordering: .relaxed) }
        return LDAPError(kind: .result(LDAPResultCode(rc)), operation: op, diagnostic: diagText, safeToRetry: safeToRetry)
    }

    private func readEntries(_ ld: OpaquePointer, _ res: OpaquePointer?) -> [LDAPEntry] {
        var entries: [LDAPEntry] = []
        var e = ldap_first_entry(ld, res)
        while let entry = e {
            var dn = ""
            if let d = ldap_get_dn(ld, entry) { dn = String(cString: d); ldap_memfree(d) }
            var attrs: [String: [[UInt8]]] = [:]
            var ber: OpaquePointer?
            var a = ldap_first_attribute(ld, entry, &ber)
            while let name = a {
                var values: [[UInt8]] = []
                if let vals = ldap_get_values_len(ld, entry, name) {
                    var i = 0
                    while let v = vals[i] {
                        let len = Int(v.pointee.bv_len)
                        if let p = v.pointee.bv_val, len > 0 {
                            values.append(Array(UnsafeRawBufferPointer(start: p, count: len)))
                        } else {
                            values.append([])
                        }
                        i += 1
                    }
                    ldap_value_free_len(vals)
                }
                attrs[String(cString: name).lowercased()] = values
                ldap_memfree(name)
                a = ldap_next_attribute(ld, entry, ber)
            }
            if let ber { ber_free(ber, 0) }
            entries.append(LDAPEntry(dn: dn, attributes: attrs))
            e = ldap_next_entry(ld, entry)
        }
        return entries
    }
}

// MARK: - C array builders (each frees, and wipes where secret, what it allocated)

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws -> R) rethrows -> R {
    if strings.isEmpty { return try body(nil) }
    let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
    for (i, s) in strings.enumerated() { array[i] = strdup(s) }
    array[strings.count] = nil
    defer {
        for i in 0..<strings.count { free(array[i]) }
        array.deallocate()
    }
    return try body(array)
}

private func withMods<R>(_ mods: [LDAPModification], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<LDAPMod>?>) throws -> R) throws -> R {
    var cleanups: [() -> Void] = []
    defer { cleanups.forEach { $0() } }
    let array = UnsafeMutablePointer<UnsafeMutablePointer<LDAPMod>?>.allocate(capacity: mods.count + 1)
    cleanups.append { array.deallocate() }
    for (i, m) in mods.enumerated() {
        let vals = UnsafeMutablePointer<UnsafeMutablePointer<berval>?>.allocate(capacity: m.values.count + 1)
        cleanups.append { vals.deallocate() }
        for (j, v) in m.values.enumerated() {
            let bv = UnsafeMutablePointer<berval>.allocate(capacity: 1)
            let count: Int
            switch v {
            case .bytes(let b): count = b.count
            case .secret(let s): count = s.count
            }
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
            switch v {
            case .bytes(let b): b.withUnsafeBytes { buf.copyMemory(from: $0) }
            case .secret(let s): s.withUnsafeBytes { buf.copyMemory(from: $0) }
            }
            bv.initialize(to: berval(bv_len: ber_len_t(count), bv_val: buf.baseAddress!.assumingMemoryBound(to: CChar.self)))
            // Wipe every value copy: some of them are passwords.
            cleanups.append { explicit_bzero(buf.baseAddress!, buf.count); buf.deallocate(); bv.deallocate() }
            vals[j] = bv
        }
        vals[m.values.count] = nil
        let type = strdup(m.attribute)
        cleanups.append { free(type) }
        let mod = UnsafeMutablePointer<LDAPMod>.allocate(capacity: 1)
        var c = LDAPMod()
        c.mod_op = m.operation.rawValue | Int32(LDAP_MOD_BVALUES)
        c.mod_type = type
        c.mod_vals.modv_bvals = vals
        mod.initialize(to: c)
        cleanups.append { mod.deallocate() }
        array[i] = mod
    }
    array[mods.count] = nil
    return try body(array)
}

private func withControls<R>(_ controls: [LDAPControl], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CLDAP.LDAPControl>?>?) throws -> R) throws -> R {
    if controls.isEmpty { return try body(nil) }
    var cleanups: [() -> Void] = []
    defer { cleanups.forEach { $0() } }
    let array = UnsafeMutablePointer<UnsafeMutablePointer<CLDAP.LDAPControl>?>.allocate(capacity: controls.count + 1)
    cleanups.append { array.deallocate() }
    for (i, c) in controls.enumerated() {
        let oid = strdup(c.oid)
        cleanups.append { free(oid) }
        var value = berval(bv_len: 0, bv_val: nil)
        if let v = c.value {
            let buf = UnsafeMutablePointer<CChar>.allocate(capacity: max(v.count, 1))
            v.withUnsafeBytes { UnsafeMutableRawPointer(buf).copyMemory(from: $0.baseAddress!, byteCount: v.count) }
            cleanups.append { buf.deallocate() }
            value = berval(bv_len: ber_len_t(v.count), bv_val: buf)
        }
        let ctl = UnsafeMutablePointer<CLDAP.LDAPControl>.allocate(capacity: 1)
        ctl.initialize(to: CLDAP.LDAPControl(ldctl_oid: oid, ldctl_value: value, ldctl_iscritical: c.critical ? 1 : 0))
        cleanups.append { ctl.deallocate() }
        array[i] = ctl
    }
    array[controls.count] = nil
    return try body(array)
}

/// Owns the C deadline guard: the connection (for libldap's callbacks) and the timer task each
/// hold it, so it is freed only when both are done with it. The guard has its own lock.
private final class OpenGuard: @unchecked Sendable {
    let pointer: OpaquePointer

    init?() {
        guard let p = pwsync_guard_new() else { return nil }
        pointer = p
    }

    deinit { pwsync_guard_free(pointer) }

    func fire() { _ = pwsync_guard_fire(pointer) }

    /// Ends the deadline; true when it had already cut the open.
    func disarm() -> Bool { pwsync_guard_disarm(pointer) != 0 }
}

enum LDAPTimeout {
    /// libldap's timeouts to the microsecond: `operation_timeout_seconds = 2.5` waits 2.5 s.
    static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
