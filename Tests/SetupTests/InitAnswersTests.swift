import Config
import Directory
import Secrets
import Setup
import XCTest

final class InitAnswersTests: XCTestCase {
    static func answers(urls: [String] = ["ldaps://dc1.corp.example.com"], startTLS: Bool = false, hostname: String = "pwsync.corp.example.com",
                        userBase: String = "OU=Okta Users,DC=corp,DC=example,DC=com") -> InitAnswers {
        InitAnswers(directory: .activeDirectory, urls: urls, startTLS: startTLS, userBase: userBase,
                    bindDN: "CN=svc-pwsync,OU=Service Accounts,DC=corp,DC=example,DC=com", hostname: hostname,
                    listenHost: "0.0.0.0", port: 8443, auditPath: "/var/log/pwsync/audit.jsonl",
                    paths: InitPaths(config: "/etc/pwsync/pwsync.toml"), hasDirectoryCA: true)
    }

    func testEveryFileGoesNextToTheConfig() {
        let p = InitPaths(config: "/etc/pwsync/pwsync.toml")
        XCTAssertEqual([p.bindPassword, p.directoryCA, p.privateKey, p.signingRequest, p.certificate], [
            "/etc/pwsync/bind-password", "/etc/pwsync/directory-ca.pem", "/etc/pwsync/tls/pwsync.key",
            "/etc/pwsync/tls/pwsync.csr", "/etc/pwsync/tls/pwsync.pem",
        ])
        XCTAssertEqual(InitPaths(config: "pwsync.toml").folder, ".")
    }

    func testProblemsNameWhatOktaOrTheDirectoryWouldRefuse() {
        XCTAssertEqual(Self.answers().problems, [])
        XCTAssertEqual(Self.answers(urls: ["ldap://dc1"]).problems, ["ldap://dc1 is not encrypted: use ldaps://, or add --starttls"])
        XCTAssertEqual(Self.answers(urls: ["ldap://dc1"], startTLS: true).problems, [])
        XCTAssertEqual(Self.answers(urls: ["ldaps://dc1"], startTLS: true).problems, ["ldaps://dc1 is ldaps:// already: drop --starttls"])
        XCTAssertEqual(Self.answers(urls: []).problems.count, 1)
        XCTAssertEqual(Self.answers(hostname: "pw_sync.corp.example.com").problems,
                       ["Okta refuses a base URL with '_' in it: pw_sync.corp.example.com cannot be the host name"])
        XCTAssertEqual(Self.answers(hostname: "localhost").problems.count, 1)
        XCTAssertEqual(Self.answers(userBase: "").problems.count, 1)
    }

    func testBaseURL() {
        XCTAssertEqual(Self.answers().baseURL, "https://pwsync.corp.example.com:8443/scim/v2")
        var a = Self.answers(hostname: "2001:db8::1")
        a.port = 443
        XCTAssertEqual(a.baseURL, "https://[2001:db8::1]/scim/v2")
    }

    /// The rendered config passes the real validator (its files aside) and holds the answers as given,
    /// quotes and backslashes included.
    func testTheConfigPassesTheValidatorAndKeepsTheAnswers() throws {
        var a = Self.answers(userBase: #"OU=Okta \"Users\",DC=corp,DC=example,DC=com"#)
        a.auditPath = NSTemporaryDirectory() + "audit.jsonl"
        let text = ConfigTemplate.render(a, tokenHash: TokenHash(hashing: TokenHash.generateToken()).encoded)
        let config = try Configuration.parse(text, file: a.paths.config, filesWrittenLater: [
            "directory.bind_password_file", "directory.ca_file", "server.tls_certificate", "server.tls_private_key",
        ])
        XCTAssertEqual(config.directory.kind, .activeDirectory)
        XCTAssertEqual(config.directory.userBase, a.userBase)
        XCTAssertEqual(config.directory.urls.map(\.host), ["dc1.corp.example.com"])
        XCTAssertEqual(config.server.port, 8443)
        XCTAssertEqual(config.server.certificatePath, "/etc/pwsync/tls/pwsync.pem")
        XCTAssertEqual(config.server.tokens.map(\.name), ["okta"])
        XCTAssertEqual(config.audit.path, a.auditPath)
        // Without the files deferred, the validator does look for them.
        XCTAssertThrowsError(try Configuration.parse(text, file: a.paths.config)) { error in
            let keys = Set((error as? ConfigErrors)?.errors.map(\.key) ?? [])
            XCTAssertTrue(keys.isSuperset(of: ["directory.bind_password_file", "server.tls_private_key"]), "\(keys)")
        }
    }

    func testStartTLSAndSystemTrustStore() throws {
        var a = Self.answers(urls: ["ldap://ldap1.corp.example.com"], startTLS: true)
        a.hasDirectoryCA = false
        a.directory = .openLDAP
        let text = ConfigTemplate.render(a, tokenHash: "x")
        XCTAssertTrue(text.contains("starttls = true\n"))
        XCTAssertFalse(text.contains("ca_file"))
        XCTAssertTrue(text.contains(#"kind = "openldap""#))
    }

    func testOktaSettingsNameTheBaseURLAndThePort() {
        let text = OktaSettings.render(Self.answers())
        XCTAssertTrue(text.contains("https://pwsync.corp.example.com:8443/scim/v2"))
        XCTAssertTrue(text.contains("userName"))
        XCTAssertTrue(text.contains("HTTP Header"))
        XCTAssertTrue(text.contains("Push Password Updates"))
        XCTAssertTrue(text.contains("TCP 8443"))
    }
}
