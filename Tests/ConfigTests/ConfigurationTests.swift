import Foundation
import XCTest
@testable import Config
import PasswordSync
import Secrets

final class ConfigurationTests: XCTestCase {
    var dir: URL!
    var hash: String!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pwsync-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["cert.pem", "ca.pem"] {
            FileManager.default.createFile(atPath: dir.appendingPathComponent(f).path, contents: Data("x".utf8))
        }
        FileManager.default.createFile(atPath: dir.appendingPathComponent("key.pem").path, contents: Data("x".utf8),
                                       attributes: [.posixPermissions: 0o600])
        FileManager.default.createFile(atPath: dir.appendingPathComponent("bind.pw").path, contents: Data("pw\n".utf8),
                                       attributes: [.posixPermissions: 0o600])
        hash = TokenHash(hashing: Secret("tok")).encoded
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func config(directoryURLs: String = #"["ldaps://dc1.example.test"]"#, extraDirectory: String = "", extra: String = "") -> String {
        let d = dir.path
        return """
        [server]
        listen = "127.0.0.1:8443"
        tls_certificate = "\(d)/cert.pem"
        tls_private_key = "\(d)/key.pem"

        [[server.tokens]]
        name = "okta"
        hash = "\(hash!)"

        [directory]
        kind = "active_directory"
        urls = \(directoryURLs)
        ca_file = "\(d)/ca.pem"
        bind_dn = "CN=svc,CN=Users,DC=example,DC=test"
        bind_password_file = "\(d)/bind.pw"
        user_base = "OU=Synced,DC=example,DC=test"
        \(extraDirectory)

        [audit]
        path = "\(d)/audit.jsonl"
        \(extra)
        """
    }

    func errors(_ text: String) -> [ConfigError] {
        do {
            _ = try Configuration.parse(text, file: "pwsync.toml")
            XCTFail("expected the config to be rejected")
            return []
        } catch { return error.errors }
    }

    func testValidConfigAndDefaults() throws {
        let c = try Configuration.parse(config(), file: "pwsync.toml")
        XCTAssertEqual(c.server.port, 8443)
        XCTAssertEqual(c.directory.kind, .activeDirectory)
        XCTAssertEqual(c.directory.userNameAttributes, ["userPrincipalName", "sAMAccountName"], "email-shaped userNames match by default")
        XCTAssertEqual(c.directory.urls.first?.description, "ldaps://dc1.example.test:636")
        XCTAssertEqual(c.server.tokens.first?.name, "okta")
        XCTAssertTrue(c.server.tokens.first!.hash.matches(Secret("tok")))
        XCTAssertEqual(c.activeDirectory.pwdLastSet, .now)
        XCTAssertEqual(c.activeDirectory.history, .bestEffort)
        XCTAssertEqual(c.audit.sync, .everyRecord)
        XCTAssertEqual(c.logLevel, .info)
    }

    /// Each setting's default lives with its section; seconds become `Duration`s, fractions kept.
    func testTimeoutsAreDurationsWithOneStepBound() throws {
        let c = try Configuration.parse(config(), file: "pwsync.toml")
        XCTAssertEqual(c.directory.connectTimeout, .seconds(Configuration.Directory.connectTimeoutSetting.defaultValue))
        XCTAssertEqual(c.directory.operationTimeout, .seconds(10))
        XCTAssertEqual(c.directory.poolWait, .seconds(5))
        XCTAssertEqual(c.server.connections.idleTimeout, .seconds(60))
        XCTAssertEqual(c.directory.stepBound, .seconds(5 + 10 + 5), "one connect, the operation, the settling re-read")
        XCTAssertEqual(c.directory.requestBudget, .seconds(35))
        let fraction = try Configuration.parse(config(extraDirectory: "operation_timeout_seconds = 2.5"), file: "pwsync.toml")
        XCTAssertEqual(fraction.directory.operationTimeout, .milliseconds(2500), "2.5 s is 2.5 s, not 2")
        XCTAssertEqual(fraction.directory.stepBound, .milliseconds(5000 + 2500 + 2500))
        let slow = errors(config(directoryURLs: #"["ldaps://a.example.test", "ldaps://b.example.test", "ldaps://c.example.test"]"#,
                                 extraDirectory: "connect_timeout_seconds = 10\noperation_timeout_seconds = 20"))
        XCTAssertEqual(slow.map(\.key), ["directory.operation_timeout_seconds"])
        XCTAssertTrue(slow.first?.message.contains("55 s") ?? false, "\(slow)")
        let range = errors(config(extraDirectory: "connect_timeout_seconds = 0.1"))
        XCTAssertEqual(range.first?.message, "must be between 0.5 and 30 seconds")
    }

    func testMetricsListenerDefaultsToLoopbackAndCanBeTurnedOff() throws {
        let d = try Configuration.parse(config(), file: "f")
        XCTAssertEqual(d.metrics?.host, "127.0.0.1")
        XCTAssertEqual(d.metrics?.port, 9469)
        let moved = try Configuration.parse(config(extra: "\n[metrics]\nlisten = \"[::1]:9100\""), file: "f")
        XCTAssertEqual(moved.metrics?.host, "::1")
        XCTAssertEqual(moved.metrics?.port, 9100)
        XCTAssertNil(try Configuration.parse(config(extra: "\n[metrics]\nlisten = \"\""), file: "f").metrics)
        let e = errors(config(extra: "\n[metrics]\nlisten = \"9469\""))
        XCTAssertEqual(e.first?.key, "metrics.listen")
        XCTAssertEqual(e.first?.line, 23)
    }

    func testShutdownTimeoutDefaultsBelowSystemdsStopTimeout() throws {
        XCTAssertEqual(try Configuration.parse(config(), file: "f").server.shutdownTimeout, .seconds(20))
        let text = config().replacingOccurrences(of: "[[server.tokens]]", with: "shutdown_timeout_seconds = 120\n\n[[server.tokens]]")
        XCTAssertEqual(errors(text).first?.key, "server.shutdown_timeout_seconds")
    }

    func testPlaintextLDAPIsRefusedWithItsLine() {
        let e = errors(config(directoryURLs: #"["ldap://dc1.example.test"]"#))
        XCTAssertEqual(e.count, 1)
        XCTAssertEqual(e.first?.key, "directory.urls")
        XCTAssertEqual(e.first?.line, 12)
        XCTAssertTrue(e.first?.description.hasPrefix("pwsync.toml:12: directory.urls: ") ?? false, e.first?.description ?? "")
        XCTAssertTrue(e.first?.message.contains("unencrypted") ?? false)
    }

    func testStartTLSMakesLDAPAcceptableButNotOnLDAPS() throws {
        XCTAssertNoThrow(try Configuration.parse(config(directoryURLs: #"["ldap://dc1.example.test"]"#, extraDirectory: "starttls = true"), file: "f"))
        XCTAssertEqual(errors(config(extraDirectory: "starttls = true")).first?.key, "directory.starttls")
    }

    /// The [directory] section of a Kerberos bind: the simple bind's keys replaced.
    func kerberosConfig(urls: String = #"["ldap://dc1.example.test"]"#, keys: String) -> String {
        config(directoryURLs: urls)
            .replacingOccurrences(of: "bind_dn = \"CN=svc,CN=Users,DC=example,DC=test\"\n", with: "")
            .replacingOccurrences(of: "bind_password_file = \"\(dir.path)/bind.pw\"\n", with: keys + "\n")
    }

    func testAKerberosBindNeedsNoPasswordAndSealsPlainLDAP() throws {
        let keytab = dir.appendingPathComponent("krb5.keytab").path
        FileManager.default.createFile(atPath: keytab, contents: Data([5, 2]))
        let c = try Configuration.parse(kerberosConfig(keys: """
            bind = "kerberos"
            kerberos_keytab = "\(keytab)"
            kerberos_principal = "WEB1$@EXAMPLE.TEST"
            channel = "sealed"
            """), file: "f")
        XCTAssertEqual(c.directory.bind, .kerberos(keytab: keytab, principal: "WEB1$@EXAMPLE.TEST"))
        XCTAssertEqual(c.directory.channel, .sealed)
        // Over TLS the principal may be left to the host's machine account.
        let tls = try Configuration.parse(kerberosConfig(urls: #"["ldaps://dc1.example.test"]"#, keys: """
            bind = "kerberos"
            kerberos_keytab = "\(keytab)"
            """), file: "f")
        XCTAssertEqual(tls.directory.bind, .kerberos(keytab: keytab, principal: nil))
        XCTAssertEqual(tls.directory.channel, .tls)
    }

    func testKerberosAndChannelMistakesAreNamedWithTheirKey() {
        let keytab = dir.appendingPathComponent("krb5.keytab").path
        FileManager.default.createFile(atPath: keytab, contents: Data([5, 2]))
        // Sealing is GSSAPI's: a simple bind's password needs TLS.
        XCTAssertEqual(errors(config(directoryURLs: #"["ldap://dc1.example.test"]"#, extraDirectory: #"channel = "sealed""#)).map(\.key),
                       ["directory.channel"])
        // Never two layers: sealed plus StartTLS or ldaps.
        XCTAssertEqual(errors(kerberosConfig(keys: "bind = \"kerberos\"\nkerberos_keytab = \"\(keytab)\"\nchannel = \"sealed\"\nstarttls = true")).map(\.key),
                       ["directory.starttls"])
        XCTAssertEqual(errors(kerberosConfig(urls: #"["ldaps://dc1.example.test"]"#, keys: "bind = \"kerberos\"\nkerberos_keytab = \"\(keytab)\"\nchannel = \"sealed\"")).map(\.key),
                       ["directory.urls"])
        // Plain LDAP without sealing is still refused for Kerberos.
        XCTAssertEqual(errors(kerberosConfig(keys: "bind = \"kerberos\"\nkerberos_keytab = \"\(keytab)\"")).map(\.key), ["directory.urls"])
        // An address has no ldap/ service principal.
        let ip = errors(kerberosConfig(urls: #"["ldaps://192.0.2.1"]"#, keys: "bind = \"kerberos\"\nkerberos_keytab = \"\(keytab)\""))
        XCTAssertEqual(ip.map(\.key), ["directory.urls"])
        XCTAssertTrue(ip.first?.message.contains("DNS name") ?? false)
        // The other mode's keys, a missing keytab, a principal without a realm.
        XCTAssertEqual(errors(config(extraDirectory: "kerberos_principal = \"WEB1$@EXAMPLE.TEST\"")).map(\.key), ["directory.kerberos_principal"])
        XCTAssertEqual(errors(config(extraDirectory: "bind = \"kerberos\"\nkerberos_keytab = \"\(keytab)\"")).map(\.key).sorted(),
                       ["directory.bind_dn", "directory.bind_password_file"])
        XCTAssertEqual(errors(kerberosConfig(urls: #"["ldaps://dc1.example.test"]"#, keys: "bind = \"kerberos\"\nkerberos_keytab = \"/nonexistent.keytab\"")).map(\.key),
                       ["directory.kerberos_keytab"])
        XCTAssertEqual(errors(kerberosConfig(urls: #"["ldaps://dc1.example.test"]"#, keys: "bind = \"kerberos\"\nkerberos_keytab = \"\(keytab)\"\nkerberos_principal = \"WEB1$\"")).map(\.key),
                       ["directory.kerberos_principal"])
        XCTAssertEqual(errors(config(extraDirectory: "bind = \"ntlm\"")).map(\.key), ["directory.bind"])
    }

    func testTrustedProxiesAreNetworksAndNoneByDefault() throws {
        let none = try Configuration.parse(config(), file: "pwsync.toml")
        XCTAssertFalse(none.server.connections.trustedProxies.trusts("127.0.0.1"), "no proxy is trusted unless listed")
        let text = config().replacingOccurrences(of: "listen = \"127.0.0.1:8443\"",
                                                  with: "listen = \"127.0.0.1:8443\"\ntrusted_proxies = [\"10.0.0.5\", \"2001:db8::/64\"]")
        let listed = try Configuration.parse(text, file: "pwsync.toml")
        XCTAssertTrue(listed.server.connections.trustedProxies.trusts("10.0.0.5"))
        XCTAssertTrue(listed.server.connections.trustedProxies.trusts("2001:db8::7"))
        XCTAssertFalse(listed.server.connections.trustedProxies.trusts("10.0.0.6"))
        let bad = errors(config().replacingOccurrences(of: "listen = \"127.0.0.1:8443\"",
                                                       with: "listen = \"127.0.0.1:8443\"\ntrusted_proxies = [\"haproxy.local\"]"))
        XCTAssertEqual(bad.map(\.key), ["server.trusted_proxies"])
        XCTAssertEqual(bad.first?.line, 3, "file:line of the key")
        XCTAssertTrue(bad.first?.message.contains("haproxy.local") ?? false)
    }

    func testLocalhostIsRefusedForTLS() {
        XCTAssertTrue(errors(config(directoryURLs: #"["ldaps://localhost:636"]"#)).first?.message.contains("127.0.0.1") ?? false)
    }

    func testUnknownKeyNamesItsLine() {
        let e = errors(config(extraDirectory: "bind_pasword_file = \"x\""))
        XCTAssertEqual(e.first?.key, "directory.bind_pasword_file")
        XCTAssertEqual(e.first?.line, 17)
    }

    func testMissingKeyAndWrongType() {
        let missing = errors(config().replacingOccurrences(of: "user_base = \"OU=Synced,DC=example,DC=test\"", with: ""))
        XCTAssertTrue(missing.first?.message.contains("user_base") ?? false, "\(missing)")
        XCTAssertEqual(missing.first?.line, 10)  // the [directory] table
        let wrong = errors(config(extraDirectory: "pool_size = \"four\""))
        XCTAssertEqual(wrong.first?.key, "directory.pool_size")
        XCTAssertTrue(wrong.first?.message.contains("integer") ?? false)
    }

    func testATokenInPlaceOfItsHashIsRefused() {
        let e = errors(config().replacingOccurrences(of: hash, with: "8c24cdce2a0da37daef9d59381b600433dabc98ce88207937299200a8dadf2eb"))
        XCTAssertEqual(e.first?.key, "server.tokens.0.hash")
        XCTAssertEqual(e.first?.line, 8)
    }

    func testTheExamplePlaceholderHashIsRefused() {
        let placeholder = "pwsync-sha256$" + String(repeating: "0", count: 32) + "$" + String(repeating: "0", count: 64)
        let e = errors(config().replacingOccurrences(of: hash, with: placeholder))
        XCTAssertEqual(e.first?.key, "server.tokens.0.hash")
        XCTAssertTrue(e.first?.message.contains("hash-token") ?? false)
    }

    func testSeveralProblemsAreReportedTogether() {
        let e = errors(config(directoryURLs: #"["ldap://a", "ftp://b"]"#, extraDirectory: "connect_timeout_seconds = 100", extra: "[log]\nlevel = \"loud\""))
        XCTAssertEqual(Set(e.map(\.key)), ["directory.urls", "directory.connect_timeout_seconds", "log.level"])
    }

    /// Found by scripts/fuzz (FuzzConfig): toml++ asserted on these instead of reporting them.
    func testATableNameWithABadFirstCharacterIsASyntaxErrorNotACrash() {
        for text in ["[server]\n[[.resvretokens]]\n", "[ .a]\n", "\t[[ .b]]\n", "[\u{8d}b_dinpassword]\n", "[[é]]\n", "[]\n", "[[[[server.tokens]]\n", "\u{FEFF}[\u{B0}server]\n"] {
            let e = errors(text)
            XCTAssertEqual(e.first?.line, text.hasPrefix("[server]") ? 2 : 1, text)
            XCTAssertTrue(e.first?.message.contains("a table name must start with") ?? false, "\(e)")
        }
        XCTAssertFalse(errors("[\"quoted\"]\n").first?.message.contains("table name") ?? false, "quoted names are fine")
    }

    func testTOMLSyntaxErrorHasALine() {
        let e = errors("[server]\nlisten = \"x\n")
        XCTAssertEqual(e.first?.line, 2)
    }

    /// Like sshd's StrictModes: a secret others can read, or a file others can change, is refused.
    func testUnsafeModesAreRefusedWithTheirLine() throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.appendingPathComponent("key.pem").path)
        XCTAssertEqual(errors(config()).map(\.key), ["server.tls_private_key"])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir.appendingPathComponent("key.pem").path)
        try FileManager.default.setAttributes([.posixPermissions: 0o602], ofItemAtPath: dir.appendingPathComponent("bind.pw").path)
        XCTAssertEqual(errors(config()).map(\.key), ["directory.bind_password_file"])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir.appendingPathComponent("bind.pw").path)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: dir.appendingPathComponent("cert.pem").path)
        XCTAssertEqual(errors(config()).map(\.key), ["server.tls_certificate"])
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.appendingPathComponent("cert.pem").path)
        let file = dir.appendingPathComponent("pwsync.toml").path
        FileManager.default.createFile(atPath: file, contents: Data(config().utf8), attributes: [.posixPermissions: 0o664])
        XCTAssertThrowsError(try Configuration.load(path: file)) { e in
            let first = (e as? ConfigErrors)?.errors.first
            XCTAssertEqual(first?.line, 1)
            XCTAssertTrue(first?.message.contains("chmod go-w") ?? false, "\(e)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
        XCTAssertNoThrow(try Configuration.load(path: file))
    }

    func testWorldReadableBindPasswordFileIsRefused() throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.appendingPathComponent("bind.pw").path)
        XCTAssertEqual(errors(config()).first?.key, "directory.bind_password_file")
    }

    /// The shipped example must stay valid apart from its placeholder paths.
    func testShippedExampleParses() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/pwsync.toml").standardized
        let text = try String(contentsOf: example, encoding: .utf8)
        do {
            _ = try Configuration.parse(text, file: "config/pwsync.toml")
        } catch {
            // Files named in the example do not exist here; every other kind of problem is a bug in the example.
            let others = error.errors.filter {
                !$0.message.contains("does not exist") && !$0.message.contains("not readable") && !$0.message.contains("placeholder")
            }
            XCTAssertEqual(others, [], "\(others)")
        }
    }

    func testProvisioningAndBasicAuth() throws {
        let c = try Configuration.parse(config(extra: """
            [provisioning]
            create_users = true
            create_base = "OU=New,DC=example,DC=test"
            post_password = "apply"
            disable_accounts = false
            """), file: "pwsync.toml")
        XCTAssertEqual(c.provisioning.createBase, "OU=New,DC=example,DC=test")
        XCTAssertEqual(c.provisioning.policy.placeholder, .apply)
        XCTAssertFalse(c.provisioning.policy.disableAccounts)
        let d = try Configuration.parse(config(), file: "pwsync.toml")
        XCTAssertNil(d.provisioning.createBase, "creation is off by default")
        XCTAssertEqual(d.provisioning.policy.placeholder, .ignore)
        XCTAssertTrue(d.provisioning.policy.disableAccounts)

        let text = config(extra: "[provisioning]\ncreate_users = true\npost_password = \"keep\"")
        let e = errors(text)
        XCTAssertEqual(e.map(\.key), ["provisioning.create_base", "provisioning.post_password"])
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("post_password") }! + 1
        XCTAssertEqual(e.last?.line, line)
    }

    func testRandomPasswordsAndScopes() throws {
        let c = try Configuration.parse(config(extra: """
            [random]
            length = 32
            classes = ["lower", "upper", "digits"]
            exclude = "xyzXYZ"
            scramble_on_deactivate = true

            [[scope]]
            name = "okta-only"
            mode = "random"
            group = "CN=Okta only,OU=Groups,DC=example,DC=test"

            [[scope]]
            name = "kiosks"
            mode = "random"
            subtree = "OU=Kiosks, OU=Synced,DC=example,DC=test"

            [[scope]]
            name = "helpdesk"
            mode = "sync"
            users = ["Helpdesk1"]
            """), file: "pwsync.toml")
        let p = c.provisioning.policy
        XCTAssertEqual(p.generator.length, 32)
        XCTAssertEqual(p.generator.classes.count, 3)
        XCTAssertFalse(p.generator.characters.contains { Set("xyzXYZ!".utf8).contains($0) })
        XCTAssertTrue(p.scrambleOnDeactivate)
        XCTAssertEqual(p.modes.scopes.map(\.name), ["okta-only", "kiosks", "helpdesk"])
        XCTAssertEqual(p.modes.scopes.last?.members, .users(["helpdesk1"]))
        let d = try Configuration.parse(config(), file: "pwsync.toml").provisioning.policy
        XCTAssertEqual(d.generator.length, 24)
        XCTAssertFalse(d.scrambleOnDeactivate)
        XCTAssertTrue(d.modes.scopes.isEmpty, "sync for everyone by default")

        let bad = config(extra: """
            [random]
            length = 8
            classes = ["lower", "emoji"]

            [[scope]]
            name = "a"
            mode = "shuffle"
            subtree = "OU=Elsewhere,DC=other,DC=test"

            [[scope]]
            name = "a"
            mode = "random"
            group = "CN=G,DC=example,DC=test"
            users = ["x"]
            """)
        let e = errors(bad)
        XCTAssertEqual(e.map(\.key), ["random.length", "random.classes", "random.classes", "scope.0.mode", "scope.0.subtree", "scope.1.name", "scope.1"])
        let lines = bad.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(e.first?.line, lines.firstIndex { $0.hasPrefix("length = 8") }! + 1)
        XCTAssertEqual(e[3].line, lines.firstIndex { $0.hasPrefix("mode = \"shuffle\"") }! + 1)
        XCTAssertTrue(e[4].message.contains("not under directory.user_base"), e[4].message)
        XCTAssertEqual(errors(config(extra: "[openldap]\nppolicy_default = \"cn=default,ou=policies,dc=test\"")).map(\.key), ["openldap"])
    }

    func testServersFromDNSInsteadOfURLs() throws {
        let urlsLine = #"urls = ["ldaps://dc1.example.test"]"#
        let c = try Configuration.parse(config().replacingOccurrences(of: urlsLine, with: #"discover_domain = "corp.example.test""#), file: "pwsync.toml")
        XCTAssertEqual(c.directory.discoverDomain, "corp.example.test")
        XCTAssertTrue(c.directory.urls.isEmpty, "filled from DNS at start-up")
        XCTAssertEqual(errors(config().replacingOccurrences(of: urlsLine, with: "")).map(\.key), ["directory.urls"])
        XCTAssertEqual(errors(config(extraDirectory: #"discover_domain = "corp.example.test""#)).map(\.key), ["directory.discover_domain"])
        XCTAssertEqual(errors(config().replacingOccurrences(of: urlsLine, with: #"discover_domain = "not a domain""#)).map(\.key),
                       ["directory.discover_domain"])
    }

    func testRotationNeedsARandomScopeAndADuration() throws {
        let scopes = """
            [[scope]]
            name = "kiosks"
            mode = "random"
            users = ["k1"]

            [[scope]]
            name = "staff"
            mode = "sync"
            subtree = "OU=Staff,OU=Synced,DC=example,DC=test"
            """
        let c = try Configuration.parse(config(extra: scopes + "\n[[rotation]]\nscope = \"kiosks\"\ninterval = \"30d\"\n\n[control]\nsocket = \"\""),
                                        file: "pwsync.toml")
        XCTAssertEqual(c.rotations, [RotationSchedule(scope: "kiosks", intervalSeconds: 30 * 86_400, perMinute: 60)])
        XCTAssertNil(c.controlSocket, "\"\" turns the socket off")
        let d = try Configuration.parse(config(), file: "pwsync.toml")
        XCTAssertTrue(d.controlSocket?.hasSuffix("/control.sock") == true)
        let bad = config(extra: scopes + """

            [[rotation]]
            scope = "staff"
            interval = "30 days"
            rate_per_minute = 0

            [[rotation]]
            scope = "nowhere"
            interval = "1h"
            """)
        let e = errors(bad)
        XCTAssertEqual(e.map(\.key), ["rotation.0.scope", "rotation.0.interval", "rotation.1.scope"])
        XCTAssertTrue(e[0].message.contains("sync mode"), e[0].message)
    }

    func testBasicAuthCredentialsAreHashedAndNamed() throws {
        let withBasic = config().replacingOccurrences(of: "[directory]", with: """
            [[server.basic_auth]]
            name = "okta-basic"
            username = "okta"
            hash = "\(hash!)"

            [directory]
            """)
        let c = try Configuration.parse(withBasic, file: "pwsync.toml")
        XCTAssertEqual(c.server.tokens.map(\.name), ["okta", "okta-basic"])
        XCTAssertEqual(c.server.tokens.last?.username, "okta")
        let plain = withBasic.replacingOccurrences(of: "username = \"okta\"\nhash = \"\(hash!)\"", with: "username = \"okta\"\nhash = \"hunter2\"")
        XCTAssertEqual(errors(plain).map(\.key), ["server.basic_auth.0.hash"])
    }
}
