import Access
import Audit
import Directory
import FoundationEssentials
import LDAPSyntax
import Logging
import PasswordSync
import SCIM
import Secrets
import PlainText

/// The checks that turn a `RawConfig` into a `Configuration`, one section at a time. Collects every
/// problem before failing. Looks at the files the config names only through their metadata.
struct Validator {
    let file: String
    let locator: KeyLocator
    /// Keys naming files that are written after this check (`pwsync init`): not reported.
    let filesWrittenLater: Set<String>
    private var errors: [ConfigError] = []

    init(file: String, locator: KeyLocator, filesWrittenLater: Set<String> = []) {
        self.file = file
        self.locator = locator
        self.filesWrittenLater = filesWrittenLater
    }

    mutating func validate(_ raw: RawConfig) throws(ConfigErrors) -> Configuration {
        let server = validate(raw.server)
        let directory = validate(raw.directory)
        let activeDirectory = validate(raw.active_directory)
        var provisioning = validate(raw.provisioning)
        let generator = validate(raw.random)
        let scopes = validate(raw.scope ?? [], userBase: raw.directory.user_base)
        if let generator { provisioning?.policy.generator = generator }
        provisioning?.policy.modes = PasswordModes(scopes)
        provisioning?.policy.scrambleOnDeactivate = raw.random?.scramble_on_deactivate ?? false
        if raw.openldap != nil, let kind = directory?.kind {
            switch kind {
            case .activeDirectory: error("openldap", "this section is for kind = \"openldap\"")
            case .openLDAP: break
            }
        }
        if let dn = raw.openldap?.ppolicy_default, dn.isEmpty || !dn.contains("=") {
            error("openldap.ppolicy_default", "must be the DN of ppolicy's default policy entry, e.g. \"cn=default,ou=policies,dc=example,dc=com\"")
        }
        let audit = validate(raw.audit)
        let level = choice("log.level", raw.log?.level, default: Logger.Level.info)
        let metricsListen = raw.metrics?.listen ?? Configuration.metricsListen
        let metrics = metricsListen.isEmpty ? nil : hostAndPort("metrics.listen", metricsListen, example: Configuration.metricsListen)
        guard errors.isEmpty, let server, let directory, let activeDirectory, let provisioning, let audit, let level else {
            throw ConfigErrors(errors: errors)
        }
        var config = Configuration(server: server, directory: directory, activeDirectory: activeDirectory,
                                   provisioning: provisioning, audit: audit, logLevel: level)
        config.directory.ppolicyDefault = raw.openldap?.ppolicy_default
        config.rotations = validate(raw.rotation ?? [], scopes: scopes)
        if let socket = raw.control?.socket {
            if !socket.isEmpty && !socket.hasPrefix("/") { error("control.socket", "must be an absolute path (or \"\" to turn the control socket off)") }
            config.controlSocket = socket.isEmpty ? nil : socket
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        config.metrics = metrics
        return config
    }

    /// `host:port` (IPv6 in brackets), or nil with an error naming `key`.
    mutating func hostAndPort(_ key: String, _ text: String, example: String) -> (host: String, port: Int)? {
        if let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]), (0...65535).contains(p), colon != text.startIndex {
            return (String(text[..<colon]).trimming("[]"), p)
        }
        error(key, "expected host:port, e.g. \"\(example)\"")
        return nil
    }

    // MARK: Sections

    mutating func validate(_ s: RawServer) -> Configuration.Server? {
        let (host, port) = hostAndPort("server.listen", s.listen ?? Configuration.Server.listen, example: Configuration.Server.listen) ?? ("", 0)
        requireFile("server.tls_certificate", s.tls_certificate)
        do { try SecretFile.checkNotWritableByOthers(s.tls_certificate) } catch { self.error("server.tls_certificate", "\(error)") }
        do { try SecretFile.checkPermissions(s.tls_private_key) } catch { self.error("server.tls_private_key", "\(error)") }
        typealias S = Configuration.Server
        let maxBody = value(S.maxBodyBytesSetting, s.max_body_bytes)
        let retryAfter = value(S.retryAfterSetting, s.retry_after_seconds)
        let tokens = credentials(s)
        var publicURL: String?
        if let u = s.public_url {
            var t = u
            while t.hasSuffix("/") { t.removeLast() }
            let host = t.hasPrefix("https://") ? t.dropFirst(8) : ""
            if host.isEmpty || host.contains("/") || host.contains(where: { $0.isWhitespace || $0 == "_" || $0 == "?" || $0 == "#" || $0 == "@" }) {
                error("server.public_url", "must be https://host[:port] as Okta reaches pwsync (no path, no '_'), e.g. \"https://pwsync.example.com:8443\"")
            }
            publicURL = t
        }
        var networks: [ClientAllowlist.Network] = []
        for text in s.allow ?? [] {
            if let n = ClientAllowlist.Network(text) { networks.append(n) } else { error("server.allow", "\(text) is not an IP network (192.0.2.0/24, 2001:db8::/32 or one address)") }
        }
        var proxies: [ClientAllowlist.Network] = []
        for text in s.trusted_proxies ?? [] {
            if let n = ClientAllowlist.Network(text) { proxies.append(n) } else { error("server.trusted_proxies", "\(text) is not an IP network (192.0.2.0/24, 2001:db8::/32 or one address)") }
        }
        let maxConnections = value(S.maxConnectionsSetting, s.max_connections)
        let perClient = s.max_connections_per_client ?? S.maxConnectionsPerClientSetting.defaultValue
        if !(1...maxConnections).contains(perClient) { error(S.maxConnectionsPerClientSetting.key, "must be between 1 and max_connections") }
        return Configuration.Server(host: host, port: port, certificatePath: s.tls_certificate, privateKeyPath: s.tls_private_key,
                                    maxBodyBytes: maxBody, retryAfterSeconds: retryAfter, tokens: tokens, publicURL: publicURL,
                                    connections: ConnectionPolicy(
                                        maxConnections: maxConnections, maxConnectionsPerClient: perClient,
                                        handshakeTimeout: seconds(S.handshakeTimeoutSetting, s.tls_handshake_timeout_seconds),
                                        headTimeout: seconds(S.headTimeoutSetting, s.request_head_timeout_seconds),
                                        bodyTimeout: seconds(S.bodyTimeoutSetting, s.request_body_timeout_seconds),
                                        idleTimeout: seconds(S.idleTimeoutSetting, s.idle_timeout_seconds),
                                        allow: ClientAllowlist(networks), trustedProxies: TrustedProxies(proxies)),
                                    shutdownTimeout: seconds(S.shutdownTimeoutSetting, s.shutdown_timeout_seconds))
    }

    mutating func credentials(_ s: RawServer) -> [Configuration.Credential] {
        var tokens: [Configuration.Credential] = []
        func checkHash(_ key: String, _ text: String) -> TokenHash? {
            do {
                let hash = try TokenHash(parsing: text)
                if hash.digest.allSatisfy({ $0 == 0 }) {
                    error("\(key).hash", "this is the example placeholder; put the hash printed by `pwsync hash-token --generate` here")
                }
                return hash
            } catch {
                self.error("\(key).hash", "\(error). Never put the token or password itself in this file.")
                return nil
            }
        }
        func checkName(_ key: String, _ name: String) {
            if name.isEmpty || name.contains(where: { $0.isWhitespace }) { error("\(key).name", "must be a non-empty name without spaces") }
            if tokens.contains(where: { $0.name == name }) { error("\(key).name", "duplicate credential name '\(name)'") }
        }
        let rawTokens = s.tokens ?? [], rawBasic = s.basic_auth ?? []
        if rawTokens.isEmpty && rawBasic.isEmpty {
            error("server.tokens", "configure at least one [[server.tokens]] (or [[server.basic_auth]]) entry (see `pwsync hash-token`)")
        }
        for (i, t) in rawTokens.enumerated() {
            let key = "server.tokens.\(i)"
            checkName(key, t.name)
            if let hash = checkHash(key, t.hash) { tokens.append(.init(name: t.name, username: nil, hash: hash)) }
        }
        for (i, b) in rawBasic.enumerated() {
            let key = "server.basic_auth.\(i)"
            checkName(key, b.name)
            if b.username.isEmpty || b.username.contains(":") { error("\(key).username", "must be non-empty and contain no ':'") }
            if let hash = checkHash(key, b.hash) { tokens.append(.init(name: b.name, username: b.username, hash: hash)) }
        }
        return tokens
    }

    enum BindMode: String, CaseIterable { case simple, kerberos }

    mutating func validate(_ d: RawDirectory) -> Configuration.Directory? {
        let kind = choice("directory.kind", d.kind, default: DirectoryKind.activeDirectory)
        let startTLS = d.starttls ?? false
        let mode = choice("directory.bind", d.bind, default: BindMode.simple)
        let channel = choice("directory.channel", d.channel, default: Configuration.Directory.Channel.tls)
        if channel == .sealed && mode == .simple {
            error("directory.channel", "\"sealed\" needs bind = \"kerberos\": a simple bind sends the service password, which only TLS protects")
        }
        var urls: [LDAPURL] = []
        switch (d.urls, d.discover_domain) {
        case (let texts?, nil):
            urls = serverURLs(texts, startTLS: startTLS, channel: channel ?? .tls, kerberos: mode == .kerberos)
        case (nil, let domain?):
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            if labels.count < 2 || labels.contains(where: { $0.isEmpty || !$0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) {
                error("directory.discover_domain", "must be a DNS domain, e.g. \"corp.example.com\"")
            }
        case (_?, _?):
            error("directory.discover_domain", "set either urls or discover_domain, not both")
        case (nil, nil):
            error("directory.urls", "list at least one server, e.g. [\"ldaps://dc1.example.com\"], or set discover_domain to find them in DNS")
        }
        if let ca = d.ca_file { requireFile("directory.ca_file", ca) }
        let bind = validateBind(d, mode: mode)
        if d.user_base.isEmpty { error("directory.user_base", "must be the DN under which users are searched") }
        typealias D = Configuration.Directory
        let attributes = d.user_name_attribute?.values ?? kind.map(D.defaultUserNameAttributes) ?? []
        if let kind {
            let allowed = D.userNameAttributes(allowedIn: kind)
            if attributes.isEmpty || attributes.contains(where: { !allowed.contains($0) }) || Set(attributes).count != attributes.count {
                error("directory.user_name_attribute", "for \(kind.rawValue) must be one or more of \(allowed.joined(separator: ", ")), each once, in the order to match")
            }
        }
        let connectTimeout = seconds(D.connectTimeoutSetting, d.connect_timeout_seconds)
        let opTimeout = seconds(D.operationTimeoutSetting, d.operation_timeout_seconds)
        // Okta closes the request after 60 s: failover over every server plus the write must fit
        // well inside, leaving time to start steps in (see DirectoryStep, RequestDeadline).
        let worst = DirectoryStep.bound(connect: connectTimeout, operation: opTimeout, servers: urls.count)
        if inRange(D.connectTimeoutSetting, d.connect_timeout_seconds), inRange(D.operationTimeoutSetting, d.operation_timeout_seconds),
           worst > DirectoryStep.maxBound {
            error(D.operationTimeoutSetting.key, "with \(urls.count) servers one directory step can take \(Int(worst / .seconds(1))) s, over the \(Int(DirectoryStep.maxBound / .seconds(1))) s that keeps a reply inside Okta's 60 s; lower the timeouts")
        }
        let pool = value(D.poolSizeSetting, d.pool_size)
        let poolWait = seconds(D.poolWaitSetting, d.pool_wait_seconds)
        guard let kind, let bind, let channel else { return nil }
        var directory = Configuration.Directory(kind: kind, urls: urls, startTLS: startTLS, caFile: d.ca_file, bind: bind, channel: channel,
                                                userBase: d.user_base, userNameAttributes: attributes,
                                                connectTimeout: connectTimeout, operationTimeout: opTimeout, poolSize: pool, poolWait: poolWait)
        directory.discoverDomain = d.discover_domain
        return directory
    }

    /// The keys of one bind mode, and none of the other's.
    mutating func validateBind(_ d: RawDirectory, mode: BindMode?) -> Configuration.Directory.Bind? {
        switch mode {
        case .simple:
            for (key, value) in [("kerberos_keytab", d.kerberos_keytab), ("kerberos_principal", d.kerberos_principal)] where value != nil {
                error("directory.\(key)", "is for bind = \"kerberos\"; this config binds with bind_dn and a password")
            }
            let dn = d.bind_dn ?? ""
            if dn.isEmpty { error("directory.bind_dn", "must name the service account (or set bind = \"kerberos\" to bind with the host's keytab)") }
            guard let file = d.bind_password_file else {
                error("directory.bind_password_file", "missing required key 'bind_password_file' (a file with the service account's password, mode 0600 or 0640)")
                return nil
            }
            do { try SecretFile.checkPermissions(file) } catch { self.error("directory.bind_password_file", "\(error)") }
            return .simple(dn: dn, passwordFile: file)
        case .kerberos:
            for (key, value) in [("bind_dn", d.bind_dn), ("bind_password_file", d.bind_password_file)] where value != nil {
                error("directory.\(key)", "is for bind = \"simple\"; a Kerberos bind takes its identity from the keytab")
            }
            let keytab = d.kerberos_keytab ?? "/etc/krb5.keytab"
            if !FileManager.default.fileExists(atPath: keytab) {
                error("directory.kerberos_keytab", "file \(keytab) does not exist: join this host to the domain (realm join, adcli join or net ads join), or name the keytab to use")
            } else if !FileManager.default.isReadableFile(atPath: keytab) {
                error("directory.kerberos_keytab", "file \(keytab) is not readable by this user: give the pwsync group read access (chgrp pwsync \(keytab); chmod 0640 \(keytab)) rather than copying it")
            }
            if let p = d.kerberos_principal {
                let parts = p.split(separator: "@", omittingEmptySubsequences: false)
                if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty || p.contains(where: { $0 == " " || $0.isNewline }) {
                    error("directory.kerberos_principal", "must be name@REALM, e.g. \"WEB1$@EXAMPLE.COM\" (or leave it out for the host's machine account)")
                }
            }
            return .kerberos(keytab: keytab, principal: d.kerberos_principal)
        case nil:
            return nil
        }
    }

    mutating func serverURLs(_ texts: [String], startTLS: Bool, channel: Configuration.Directory.Channel, kerberos: Bool) -> [LDAPURL] {
        var urls: [LDAPURL] = []
        if texts.isEmpty { error("directory.urls", "list at least one server, e.g. [\"ldaps://dc1.example.com\"]") }
        if channel == .sealed && startTLS {
            error("directory.starttls", "channel = \"sealed\" protects the connection with GSSAPI; StartTLS would add a second layer, which AD refuses. Use one of them")
        }
        for u in texts {
            do {
                let url = try LDAPURL(parsing: u)
                if kerberos && (url.host.first?.isNumber == true || url.host.contains(":")) {
                    error("directory.urls", "\(u): a Kerberos bind needs the domain controller's DNS name (its ldap/ service principal), not an address")
                }
                if channel == .sealed {
                    if url.scheme == .ldaps {
                        error("directory.urls", "\(u): channel = \"sealed\" uses plain ldap:// sealed by GSSAPI; for TLS set channel = \"tls\"")
                    }
                } else if url.scheme == .ldap && !startTLS {
                    error("directory.urls", "\(u) is plain LDAP: pwsync never sends passwords unencrypted. Use ldaps://, or set starttls = true")
                } else if url.scheme == .ldaps && startTLS {
                    error("directory.starttls", "StartTLS cannot be used on an ldaps:// URL (\(u)); it is already TLS")
                }
                if url.host.lowercased() == "localhost" {
                    error("directory.urls", "\(u): use 127.0.0.1 or the server's real name; Debian's libldap checks 'localhost' against the machine's host name and TLS verification fails")
                }
                urls.append(url)
            } catch {
                self.error("directory.urls", "\(u) \(error)")
            }
        }
        return urls
    }

    mutating func validate(_ a: RawActiveDirectory?) -> ActiveDirectoryOptions? {
        let pwdLastSet = choice("active_directory.pwd_last_set", a?.pwd_last_set, default: ActiveDirectoryOptions.PwdLastSet.now)
        let history = choice("active_directory.history", a?.history, default: ActiveDirectoryOptions.History.bestEffort)
        guard let pwdLastSet, let history else { return nil }
        return ActiveDirectoryOptions(pwdLastSet: pwdLastSet, history: history)
    }

    mutating func validate(_ p: RawProvisioning?) -> Configuration.Provisioning? {
        let createUsers = p?.create_users ?? false
        if createUsers && (p?.create_base ?? "").isEmpty {
            error("provisioning.create_base", "set the OU new accounts are created in (required when create_users = true)")
        }
        if !createUsers, p?.create_base != nil {
            error("provisioning.create_base", "only used with create_users = true; remove it or turn creation on")
        }
        let attributes = profileMapping(p?.attributes ?? [:])
        guard let placeholder = choice("provisioning.post_password", p?.post_password, default: SyncPolicy.Placeholder.ignore) else { return nil }
        return Configuration.Provisioning(createBase: createUsers ? p?.create_base : nil,
                                          policy: SyncPolicy(placeholder: placeholder, disableAccounts: p?.disable_accounts ?? true),
                                          attributes: attributes)
    }

    static let characterClasses: [(name: String, characters: [UInt8])] = [
        ("lower", PasswordGenerator.lower), ("upper", PasswordGenerator.upper),
        ("digits", PasswordGenerator.digits), ("symbols", PasswordGenerator.symbols),
    ]

    /// `[random]`: how pwsync makes random passwords.
    mutating func validate(_ r: RawRandom?) -> PasswordGenerator? {
        let length = value(Configuration.randomLengthSetting, r?.length, " (the directory's minimum length is added on top when it is higher)")
        let names = r?.classes ?? Self.characterClasses.map(\.name)
        var classes: [[UInt8]] = []
        for name in names {
            guard let c = Self.characterClasses.first(where: { $0.name == name }) else {
                error("random.classes", "unknown class \"\(name)\"; use \"lower\", \"upper\", \"digits\" or \"symbols\"")
                continue
            }
            classes.append(c.characters)
        }
        if Set(names).count != names.count { error("random.classes", "names a class twice") }
        if names.count < 3 {
            error("random.classes", "needs at least three classes: AD's complexity rule asks for three of four")
        }
        let exclude = r?.exclude ?? ""
        if !exclude.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }) {
            error("random.exclude", "must be printable ASCII characters (the ones pwsync would otherwise use)")
        }
        let excluded = Set(exclude.utf8)
        let kept = classes.map { $0.filter { !excluded.contains($0) } }
        if kept.contains(where: \.isEmpty) { error("random.exclude", "removes every character of a class; drop the class from random.classes instead") }
        guard Configuration.randomLengthSetting.range.contains(length), classes.count >= 3, !kept.contains(where: \.isEmpty), Set(names).count == names.count else { return nil }
        return PasswordGenerator(length: length, classes: classes, exclude: excluded)
    }

    /// `[[rotation]]`: which random scope, how often, how fast.
    mutating func validate(_ raw: [RawRotation], scopes: [PasswordScope]) -> [RotationSchedule] {
        var out: [RotationSchedule] = []
        for (i, r) in raw.enumerated() {
            let key = "rotation.\(i)"
            guard let scope = scopes.first(where: { $0.name == r.scope }) else {
                error("\(key).scope", "no [[scope]] named '\(r.scope)'")
                continue
            }
            if scope.mode != .random {
                error("\(key).scope", "scope '\(r.scope)' is in sync mode: its accounts hold Okta's password, which a rotation would destroy")
            }
            if out.contains(where: { $0.scope == r.scope }) { error("\(key).scope", "scope '\(r.scope)' already has a [[rotation]]") }
            guard let seconds = Self.duration(r.interval), seconds >= 1 else {
                error("\(key).interval", "must be a duration such as \"30d\", \"12h\", \"90m\" or \"3600s\"")
                continue
            }
            let rate = r.rate_per_minute ?? Configuration.rotationRateSetting.defaultValue
            if !Configuration.rotationRateSetting.range.contains(rate) {
                let range = Configuration.rotationRateSetting.range
                error("\(key).rate_per_minute", "must be between \(range.lowerBound) and \(range.upperBound) accounts a minute")
            }
            out.append(RotationSchedule(scope: r.scope, intervalSeconds: seconds, perMinute: rate))
        }
        return out
    }

    /// `"30d"`, `"12h"`, `"90m"`, `"3600s"` in seconds.
    static func duration(_ text: String) -> Int64? {
        guard let unit = text.last, let n = Int64(text.dropLast()), n > 0 else { return nil }
        switch unit {
        case "s": return n
        case "m": return n * 60
        case "h": return n * 3600
        case "d": return n * 86_400
        default: return nil
        }
    }

    /// `[[scope]]`: named sets of accounts and their password mode.
    mutating func validate(_ raw: [RawScope], userBase: String) -> [PasswordScope] {
        var scopes: [PasswordScope] = []
        var names = Set<String>()
        for (i, r) in raw.enumerated() {
            let key = "scope.\(i)"
            if r.name.isEmpty || r.name.contains(where: { $0.isWhitespace }) { error("\(key).name", "must be a non-empty name without spaces") }
            if !names.insert(r.name).inserted { error("\(key).name", "duplicate scope name '\(r.name)'") }
            let mode = choice("\(key).mode", r.mode, default: PasswordMode.sync)
            let given = [r.subtree != nil, r.group != nil, r.users != nil].filter { $0 }.count
            if given != 1 {
                error(key, "give exactly one of subtree, group or users")
                continue
            }
            let members: PasswordScope.Members
            if let subtree = r.subtree {
                if !subtree.contains("=") { error("\(key).subtree", "must be a DN, e.g. \"OU=Kiosks,\(userBase)\"") }
                else if !PasswordScope(name: "", mode: .sync, members: .subtree(userBase)).contains(dn: subtree) {
                    error("\(key).subtree", "is not under directory.user_base (\(userBase)), so it would match no one")
                }
                members = .subtree(subtree)
            } else if let group = r.group {
                if !group.contains("=") { error("\(key).group", "must be the group's DN, e.g. \"CN=Okta only,OU=Groups,DC=example,DC=com\"") }
                members = .group(group)
            } else {
                let users = r.users ?? []
                if users.isEmpty || users.contains(where: \.isEmpty) { error("\(key).users", "list at least one userName") }
                members = .users(Set(users))
            }
            if let mode { scopes.append(PasswordScope(name: r.name, mode: mode, members: members)) }
        }
        return scopes
    }

    /// `"SCIM path" = "directoryAttribute"`, keyed by the canonical path.
    mutating func profileMapping(_ raw: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for (path, attr) in raw.sorted(by: { $0.key < $1.key }) {
            let key = "provisioning.attributes.\(path)"
            guard let c = ProfilePath.canonical(path) else {
                error(key, "not a SCIM attribute path pwsync can map; use e.g. \"displayName\", \"name.givenName\", \"title\", \"emails[primary].value\" or \"phoneNumbers[type eq \\\"work\\\"].value\"")
                continue
            }
            guard let f = attr.first, f.isLetter, attr.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                error(key, "\"\(attr)\" is not a directory attribute name")
                continue
            }
            if Configuration.unmappable.contains(attr.lowercased()) {
                error(key, "\(attr) holds a secret, an id, the account state or a name pwsync matches on; it cannot be written from a profile")
                continue
            }
            if out[c] != nil { error(key, "maps the same SCIM attribute as another key (\(c))") }
            out[c] = attr
        }
        return out
    }

    enum FsyncMode: String, CaseIterable { case everyRecord = "every_record", batched }

    mutating func validate(_ a: RawAudit) -> Configuration.Audit? {
        let dir = a.path.parentFolder
        var isDir = false
        if a.path.isEmpty || !FileManager.default.fileExists(atPath: dir.isEmpty ? "." : dir, isDirectory: &isDir) || !isDir {
            error("audit.path", "the folder for \(a.path) does not exist")
        }
        let fsync = choice("audit.fsync", a.fsync, default: FsyncMode.everyRecord)
        typealias A = Configuration.Audit
        let batchRecords = value(A.batchRecordsSetting, a.fsync_batch_records)
        let batchMs = value(A.batchIntervalMsSetting, a.fsync_interval_ms)
        if let m = a.max_bytes, m < A.minimumMaxBytes { error("audit.max_bytes", "must be at least \(A.minimumMaxBytes) (or omit it to rotate only with logrotate)") }
        let keep = value(A.keepSetting, a.keep)
        guard let fsync else { return nil }
        let sync: AuditLog.SyncPolicy
        switch fsync {
        case .everyRecord: sync = .everyRecord
        case .batched: sync = .batched(records: batchRecords, interval: .milliseconds(batchMs))
        }
        if let key = a.seal_key_file {
            // Only its presence here: `serve` checks owner and mode as the user it runs as, and
            // keeps recording (unsealed, audited) if the key is lost.
            if key.isEmpty || !FileManager.default.fileExists(atPath: key) {
                error("audit.seal_key_file", "file \(key) does not exist; create it with `pwsync audit keygen --key-file \(key.isEmpty ? "PATH" : key)`")
            }
        }
        return Configuration.Audit(path: a.path, sync: sync, maxBytes: a.max_bytes, keep: keep, sealKeyFile: a.seal_key_file)
    }

    // MARK: Helpers

    private mutating func error(_ key: String, _ message: String) {
        guard !filesWrittenLater.contains(key) else { return }
        errors.append(ConfigError(file: file, line: locator.line(key.split(separator: ".").map(String.init)), key: key, message: message))
    }

    /// The value of an integer key (its default when absent), reported when out of its range.
    private mutating func value(_ setting: Setting<Int>, _ raw: Int?, _ note: String = "") -> Int {
        let v = raw ?? setting.defaultValue
        if !setting.range.contains(v) { error(setting.key, "must be between \(setting.range.lowerBound) and \(setting.range.upperBound)\(note)") }
        return v
    }

    /// A key in seconds (its default when absent) as a `Duration`, reported when out of its range.
    private mutating func seconds(_ setting: Setting<Double>, _ raw: Number?) -> Duration {
        if !inRange(setting, raw) { error(setting.key, "must be \(setting.rangeText)") }
        return .seconds(raw?.value ?? setting.defaultValue)
    }

    private func inRange(_ setting: Setting<Double>, _ raw: Number?) -> Bool { setting.range.contains(raw?.value ?? setting.defaultValue) }

    private mutating func requireFile(_ key: String, _ path: String) {
        if !FileManager.default.isReadableFile(atPath: path) { error(key, "file \(path) does not exist or is not readable") }
    }

    /// One of an enum's values by its config spelling; nil (and an error naming every choice) otherwise.
    private mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ text: String?, default value: E) -> E?
    where E.RawValue == String {
        guard let text else { return value }
        if let v = E(rawValue: text) { return v }
        let names = E.allCases.map { "\"\($0.rawValue)\"" }
        let list = names.count > 2 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined(separator: " or ")
        error(key, "must be \(list)")
        return nil
    }
}
