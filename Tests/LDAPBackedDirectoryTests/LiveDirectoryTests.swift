import Directory
import Foundation
import LDAP
import LDAPBackedDirectory
import LDAPSyntax
import Secrets
import TestSupport
import XCTest

/// The Directory layer against the real servers (scripts/test starts them).
final class LiveDirectoryTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func directory(_ f: Fixture, servers: [LDAPConnectionOptions]? = nil, bindPassword: Secret? = nil,
                   ppolicyDefault: String? = nil) throws -> LDAPDirectory {
        var settings = LDAPDirectoryConfiguration(
            kind: f.kind == "openldap" ? .openLDAP : .activeDirectory, servers: servers ?? [f.options()],
            account: .password(dn: f.bindDN, password: try bindPassword ?? f.bindPassword()), userBase: f.userBase,
            userNameAttributes: [f.userNameAttribute], poolSize: 2, poolWait: .seconds(5))
        settings.ppolicyDefault = ppolicyDefault
        return LDAPDirectory(settings)
    }

    /// The rules each fixture sets (scripts/fixture-*) come back as the directory states them:
    /// Samba's domain policy and dave's fine-grained PSO, slapd's ppolicy default entry.
    func testPasswordPolicyIsReadFromTheDirectory() async throws {
        let samba = try Fixture.load(.samba)
        let ad = try directory(samba)
        let domain = try await ad.passwordPolicy(for: nil)
        XCTAssertEqual(domain.minLength, 8, "\(domain)")
        XCTAssertTrue(domain.complexity, "\(domain)")
        XCTAssertEqual(domain.historyLength, 3, "\(domain)")
        XCTAssertEqual(domain.minAgeSeconds, 0, "\(domain)")
        XCTAssertTrue(domain.source.lowercased().hasPrefix("domain policy dc=samdom,dc=test"), domain.source)
        let dave = try await XCTUnwrapAsync(try await ad.findUsers(.equals(.userName, "dave")).first)
        let daves = try await ad.passwordPolicy(for: dave)
        XCTAssertEqual(daves.minLength, 14, "dave's PSO: \(daves)")
        XCTAssertTrue(daves.source.lowercased().contains("cn=pso-strict"), daves.source)
        let carol = try await XCTUnwrapAsync(try await ad.findUsers(.equals(.userName, "carol")).first)
        let carols = try await ad.passwordPolicy(for: carol)
        XCTAssertEqual(carols, domain)
        let history = try await ad.historyEnforcedOnReset()
        XCTAssertFalse(history.enforced, "Samba lists no policy-hints control: \(history.why)")
        await ad.shutdown()

        let slapd = try Fixture.load(.openldap)
        let policyDN = "cn=default,ou=policies,dc=test"
        let ol = try directory(slapd, ppolicyDefault: policyDN)
        let ppolicy = try await ol.passwordPolicy(for: nil)
        XCTAssertEqual(ppolicy, PasswordPolicy(minLength: 8, complexity: false, historyLength: 3, minAgeSeconds: 0, source: "ppolicy \(policyDN)"))
        let enforced = try await ol.historyEnforcedOnReset()
        XCTAssertTrue(enforced.enforced)
        await ol.shutdown()
        // Without the configured default there is none to read (a service account cannot read cn=config).
        let unconfigured = try directory(slapd)
        let none = try await unconfigured.passwordPolicy(for: nil)
        XCTAssertEqual(none, .none)
        await unconfigured.shutdown()
    }

    /// Group scopes ask the directory: AD resolves nested groups in one query.
    func testGroupMembershipIsAskedOfTheDirectory() async throws {
        let f = try Fixture.load(.samba)
        let d = try directory(f)
        let alice = try await XCTUnwrapAsync(try await d.findUsers(.equals(.userName, "alice")).first)
        let bob = try await XCTUnwrapAsync(try await d.findUsers(.equals(.userName, "bob")).first)
        let outer = f["RANDOM_GROUP_DN"]
        XCTAssertFalse(outer.isEmpty, "scripts/fixture-samba writes RANDOM_GROUP_DN")
        let inAlice = try await d.isMember(alice, ofGroup: outer)
        let inBob = try await d.isMember(bob, ofGroup: outer)
        XCTAssertTrue(inAlice, "alice is in a group nested in \(outer)")
        XCTAssertFalse(inBob)
        let missing = try await d.isMember(alice, ofGroup: "CN=No Such Group,\(f.userBase)")
        XCTAssertFalse(missing)
        await d.shutdown()
    }

    func testLookupIdsAndEscaping() async throws {
        for name in Fixture.Name.allCases {
            let f = try Fixture.load(name)
            let d = try directory(f)
            let found = try await d.findUsers(.equals(.userName, "carol"))
            XCTAssertEqual(found.count, 1, "\(name)")
            let carol = try XCTUnwrap(found.first)
            XCTAssertEqual(carol.dn.lowercased(), f.userDN("carol").lowercased())
            XCTAssertNotNil(ObjectGUID.parseUUID(carol.id), "id \(carol.id) is a UUID")
            let byID = try await d.user(id: carol.id)
            XCTAssertEqual(byID, carol)
            let upper = try await d.findUsers(.equals(.userName, "CAROL"))
            XCTAssertEqual(upper.first?.id, carol.id, "userName matches case-insensitively")
            for hostile in ["*", "carol)(uid=*", "*)(|(objectClass=*", "carol\u{0}", "c*", "Jürgen"] {
                let hits = try await d.findUsers(.equals(.userName, hostile))
                XCTAssertEqual(hits, [], "\(name): \(hostile) must match literally")
            }
            let none = try await d.user(id: "not-a-uuid")
            XCTAssertNil(none)
            let all = try await d.findUsers(nil)
            // The fixture users (other live tests may have created more), in stable DN order.
            let fixtureUsers = ["alice", "bob", "carol", "dave"]
            XCTAssertEqual(all.map(\.userName).filter(fixtureUsers.contains), fixtureUsers)
            XCTAssertEqual(all.map { $0.dn.lowercased() }, all.map { $0.dn.lowercased() }.sorted())
            await d.shutdown()
        }
    }

    /// The slapd fixture cuts the service account's plain searches at 3 entries, as a large
    /// directory's size limit would: the user list is still whole, read in pages.
    func testListingReadsPastTheServerSizeLimit() async throws {
        let f = try Fixture.load(.openldap)
        let c = try await LDAPConnection.connect(f.options())
        try await c.simpleBind(dn: f.bindDN, password: try f.bindPassword())
        let plain = try await c.search(base: f.userBase, scope: .oneLevel, filter: .equals("objectClass", "inetOrgPerson"), attributes: ["uid"])
        await c.close()
        XCTAssertLessThanOrEqual(plain.count, 3, "the fixture's size limit applies to a plain search")
        let d = try directory(f)
        let all = try await d.findUsers(nil)
        await d.shutdown()
        XCTAssertGreaterThan(all.count, plain.count)
        XCTAssertTrue(Set(["alice", "bob", "carol", "dave"]).isSubset(of: Set(all.map(\.userName))))
    }

    func testResetThenBindAndPolicyRejection() async throws {
        for name in Fixture.Name.allCases {
            let f = try Fixture.load(name)
            let d = try directory(f)
            let carol = try await XCTUnwrapAsync(try await d.findUsers(.equals(.userName, "carol")).first)
            let pw = Canary.make("dir") + "Ωж"
            let report = try await d.setPassword(of: carol, to: Secret(pw))
            XCTAssertEqual(report.historyEnforced, name == .openldap, "Samba 4.17 has no policy-hints control")
            let ok = try await f.bindResult(dn: carol.dn, password: Secret(pw))
            XCTAssertEqual(ok, 0, "\(name)")
            let initial = try await f.bindResult(dn: carol.dn, password: try f.initialPassword("carol"))
            XCTAssertEqual(initial, 49, "\(name)")
            do {
                _ = try await d.setPassword(of: carol, to: Secret("s1!"))
                XCTFail("\(name): a 3-character password must be refused")
            } catch {
                XCTAssertEqual(error.reason, .policyViolation, "\(name): \(error)")
                XCTAssertFalse(error.isTransient)
            }
            // History on an admin reset: slapd's ppolicy enforces it; Samba 4.17 cannot (no policy-hints
            // control), so the reset goes through and the report says history was not enforced.
            do {
                let again = try await d.setPassword(of: carol, to: Secret(pw))
                XCTAssertEqual(name, .samba, "slapd must refuse a password from its history")
                XCTAssertFalse(again.historyEnforced)
            } catch {
                XCTAssertEqual(name, .openldap)
                XCTAssertEqual(error.reason, .policyViolation, "\(name): \(error)")
            }
            await d.shutdown()
        }
    }

    /// pwsync never sends a password (not even the service account's) over an unencrypted channel.
    func testPlaintextConnectionIsRefusedBeforeAnythingIsSent() async throws {
        let f = try Fixture.load(.openldap)
        // Against the real slapd's plaintext port.
        let d = try directory(f, servers: [f.options(f.ldapURL)])
        do {
            _ = try await d.findUsers(.equals(.userName, "dave"))
            XCTFail("a plaintext connection must be refused")
        } catch {
            XCTAssertEqual(error.reason, .insecureConnection)
        }
        await d.shutdown()

        // Against a listener that records every byte it receives.
        let recorder = try ByteRecorder()
        let spy = try directory(f, servers: [LDAPConnectionOptions(url: LDAPURL(scheme: .ldap, host: "127.0.0.1", port: recorder.port),
                                                                  connectTimeout: .seconds(2), operationTimeout: .seconds(2))])
        let fake = DirectoryUser(id: "00000000-0000-4000-8000-000000000000", dn: f.userDN("dave"), userName: "dave")
        do {
            _ = try await spy.setPassword(of: fake, to: Secret(Canary.make()))
            XCTFail("must refuse")
        } catch {
            XCTAssertEqual(error.reason, .insecureConnection)
        }
        await spy.shutdown()
        XCTAssertEqual(recorder.finish(), 0, "not a single byte may reach the server")
    }

    func testStartTLSOnThePlainPortWorks() async throws {
        let f = try Fixture.load(.openldap)
        let d = try directory(f, servers: [f.options(f.ldapURL, startTLS: true)])
        let dave = try await XCTUnwrapAsync(try await d.findUsers(.equals(.userName, "dave")).first)
        let pw = Canary.make("tls")
        _ = try await d.setPassword(of: dave, to: Secret(pw))
        let bound = try await f.bindResult(dn: dave.dn, password: Secret(pw))
        XCTAssertEqual(bound, 0)
        await d.shutdown()
    }

    func testUntrustedCertificateIsRefusedAsTransient() async throws {
        let f = try Fixture.load(.openldap)
        // Trust the system store only: the fixture's throwaway CA is not in it.
        let d = try directory(f, servers: [LDAPConnectionOptions(url: f.ldapsURL, caFile: "/etc/ssl/certs/ca-certificates.crt", connectTimeout: .seconds(2), operationTimeout: .seconds(10))])
        do {
            _ = try await d.findUsers(nil)
            XCTFail("an unverified certificate must be refused")
        } catch {
            XCTAssertEqual(error.reason, .unavailable)
            XCTAssertTrue(error.detail.contains("TLS"), error.detail)
        }
        await d.shutdown()
    }

    func testFailoverSkipsAnUnreachableServer() async throws {
        let f = try Fixture.load(.openldap)
        let dead = LDAPConnectionOptions(url: LDAPURL(scheme: .ldaps, host: "127.0.0.1", port: try Loopback.freePort()), caFile: f.caFile, connectTimeout: .seconds(1), operationTimeout: .seconds(10))
        let d = try directory(f, servers: [dead, f.options()])
        let users = try await d.findUsers(.equals(.userName, "alice"))
        XCTAssertEqual(users.count, 1)
        await d.shutdown()
    }

    /// A server that accepts TCP but never answers (slapd stopped): the TLS handshake, which
    /// libldap itself never times out, ends within 1.5 connect timeouts; StartTLS within the
    /// operation timeout.
    func testAServerThatAcceptsButNeverAnswersIsLeftWithinTheTimeouts() async throws {
        let f = try Fixture.load(.openldap)
        let pid = pid_t(try String(contentsOfFile: f["PID_FILE"], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        defer { kill(pid, SIGCONT) }
        for (name, options, bound) in [
            ("ldaps", LDAPConnectionOptions(url: f.ldapsURL, caFile: f.caFile, connectTimeout: .seconds(2), operationTimeout: .seconds(2)), 3.0 + 1),
            ("StartTLS", LDAPConnectionOptions(url: f.ldapURL, startTLS: true, caFile: f.caFile, connectTimeout: .seconds(2), operationTimeout: .seconds(2)), 3.0 + 1),
        ] {
            let started = ContinuousClock.now
            do {
                let c = try await LDAPConnection.connect(options)
                await c.close()
                XCTFail("\(name): a stopped server cannot complete a handshake")
            } catch let e as LDAPError {
                XCTAssertTrue(e.isTransient, "\(name): \(e)")
            }
            let took = ContinuousClock.now - started
            XCTAssertLessThan(took, .seconds(bound), "\(name) took \(took)")
        }
    }

    /// Failover with the first server blackholed (an nft rule drops its packets: no RST) and with
    /// it accepting TCP but never answering: only the first new connection pays the connect
    /// timeout; afterwards the server is marked down and new connections go straight to the next.
    func testAFailedServerIsMarkedDownAndCostsOneTimeoutOnly() async throws {
        let f = try Fixture.load(.openldap)
        let dropped = try Loopback.freePort()
        let blackhole = try Blackhole(port: dropped)
        defer { blackhole.lift() }
        let silent = try Loopback.listenerThatNeverAccepts()
        defer { close(silent.fd) }
        for (name, port) in [("blackholed", dropped), ("silent", silent.port)] {
            let first = LDAPConnectionOptions(url: LDAPURL(scheme: .ldaps, host: "127.0.0.1", port: port), caFile: f.caFile,
                                              connectTimeout: .seconds(1.5), operationTimeout: .seconds(3))
            let d = try directory(f, servers: [first, f.options()])
            var took: [Duration] = []
            for _ in 0..<4 {
                let started = ContinuousClock.now
                let users = try await d.findUsers(.equals(.userName, "alice"))
                took.append(ContinuousClock.now - started)
                XCTAssertEqual(users.count, 1, name)
                await d.shutdown()  // the next lookup needs a new connection
            }
            XCTAssertGreaterThan(took[0], .seconds(1), "\(name): the first connection pays the timeout once (\(took))")
            XCTAssertLessThan(took[0], .seconds(1.5 * 1.5 + 1), "\(name): and no more than that (\(took))")
            for t in took.dropFirst() { XCTAssertLessThan(t, .seconds(1), "\(name): later connections skip the down server (\(took))") }
        }
    }

    /// A password write that gets no answer is settled before anyone is told. The directory stays
    /// silent (slapd stopped): the re-read gets no answer either, so the outcome is unknown, and
    /// says so. The directory comes back while pwsync re-reads: "applied" is answered only when
    /// the new password really works (proven by a bind); otherwise the outcome stays unknown, since
    /// slapd may still apply an abandoned write later.
    func testAnUnansweredPasswordWriteIsSettledByReadingTheAccountAgain() async throws {
        let f = try Fixture.load(.openldap)
        let pid = pid_t(try String(contentsOfFile: f["PID_FILE"], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        defer { kill(pid, SIGCONT) }
        let options = LDAPConnectionOptions(url: f.ldapsURL, caFile: f.caFile, connectTimeout: .seconds(1), operationTimeout: .seconds(1))

        let d = try directory(f, servers: [options])
        let dave = try await XCTUnwrapAsync(try await d.findUsers(.equals(.userName, "dave")).first)
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        do {
            _ = try await d.setPassword(of: dave, to: Secret(Canary.make("u")))
            XCTFail("a stopped directory cannot confirm a write")
        } catch {
            XCTAssertEqual(error.reason, .outcomeUnknown, "\(error)")
            XCTAssertTrue(error.isTransient, "Okta retries it")
        }
        kill(pid, SIGCONT)
        await d.shutdown()

        // One directory for all rounds: it remembers a round whose outcome stayed unknown.
        let d2 = try directory(f, servers: [options])
        var seen: [String] = []
        for _ in 0..<3 {
            let before = try await XCTUnwrapAsync(try await d2.findUsers(.equals(.userName, "carol")).first)
            let pw = Canary.make("s")
            XCTAssertEqual(kill(pid, SIGSTOP), 0)
            // Back after the write's 1 s timeout, while the re-read waits for its connection.
            let resume = Task { try await Task.sleep(for: .milliseconds(1400)); kill(pid, SIGCONT) }
            do {
                _ = try await d2.setPassword(of: before, to: Secret(pw))
                try await resume.value
                let bound = try await f.bindResult(dn: before.dn, password: Secret(pw))
                XCTAssertEqual(bound, 0, "answered applied: the new password must work")
                seen.append("applied")
            } catch let error as DirectoryFailure {
                try await resume.value
                XCTAssertEqual(error.reason, .outcomeUnknown, "\(error)")
                XCTAssertTrue(error.isTransient)
                seen.append("unknown")
            }
            await d2.shutdown()
        }
        print("settled rounds: \(seen)")
    }

    /// The directory applies the write but its answer is lost on the way (a proxy drops it): the
    /// re-read on a fresh connection sees the new password stamp, and the push is answered as
    /// applied instead of 429 (which would make Okta resend a password the history now holds).
    func testAWriteWhoseAnswerIsLostButLandedIsReportedApplied() async throws {
        let f = try Fixture.load(.openldap)
        let proxy = try TCPProxy(to: f.ldapsURL.port)
        defer { proxy.close() }
        let url = LDAPURL(scheme: .ldaps, host: "127.0.0.1", port: proxy.port)
        let d = try directory(f, servers: [LDAPConnectionOptions(url: url, caFile: f.caFile, connectTimeout: .seconds(2), operationTimeout: .seconds(1))])
        let bob = try await XCTUnwrapAsync(try await d.findUsers(.equals(.userName, "bob")).first)
        proxy.muteReplies()
        let pw = Canary.make("l")
        let report = try await d.setPassword(of: bob, to: Secret(pw))
        XCTAssertNotEqual(report.after?.changeMarker, bob.changeMarker, "the account as read after the write")
        let bound = try await f.bindResult(dn: bob.dn, password: Secret(pw))
        XCTAssertEqual(bound, 0)
        await d.shutdown()
    }

    /// A lookup in flight on a server that stops answering (its replies muted) moves to the second
    /// server after its operation timeout instead of failing, and the next lookups skip the hung one.
    func testALookupOnAHungServerMovesToTheNextOne() async throws {
        let f = try Fixture.load(.openldap)
        let proxy = try TCPProxy(to: f.ldapsURL.port)
        defer { proxy.close() }
        let hung = LDAPURL(scheme: .ldaps, host: "127.0.0.1", port: proxy.port)
        let d = try directory(f, servers: [hung, f.ldapsURL].map { LDAPConnectionOptions(url: $0, caFile: f.caFile, connectTimeout: .seconds(1), operationTimeout: .seconds(1)) })
        let first = try await d.findUsers(.equals(.userName, "alice"))
        XCTAssertEqual(first.count, 1, "through the first server")
        proxy.muteReplies()
        let start = ContinuousClock.now
        let moved = try await d.findUsers(.equals(.userName, "alice"))
        let took = ContinuousClock.now - start
        XCTAssertEqual(moved.count, 1, "answered by the second server")
        XCTAssertLessThan(took, .milliseconds(2500), "one operation timeout, then the second server")
        let next = ContinuousClock.now
        _ = try await d.findUsers(.equals(.userName, "bob"))
        XCTAssertLessThan(ContinuousClock.now - next, .milliseconds(500), "the hung server is skipped now")
        await d.shutdown()
    }

    /// The 429's detail names the server that failed, not just the first configured one.
    func testAnOutageNamesTheServersTried() async throws {
        let f = try Fixture.load(.openldap)
        let a = LDAPURL(scheme: .ldaps, host: "127.0.0.1", port: try Loopback.freePort())
        let b = LDAPURL(scheme: .ldaps, host: "127.0.0.1", port: try Loopback.freePort())
        let d = try directory(f, servers: [a, b].map { LDAPConnectionOptions(url: $0, caFile: f.caFile, connectTimeout: .seconds(1), operationTimeout: .seconds(10)) })
        do {
            _ = try await d.findUsers(nil)
            XCTFail("nothing listens there")
        } catch {
            XCTAssertEqual(error.reason, .unavailable)
            XCTAssertTrue(error.detail.contains(a.description) && error.detail.contains(b.description), error.detail)
        }
        await d.shutdown()
        let one = try directory(f, servers: [LDAPConnectionOptions(url: b, caFile: f.caFile, connectTimeout: .seconds(1), operationTimeout: .seconds(10))])
        do {
            _ = try await one.findUsers(nil)
            XCTFail("nothing listens there")
        } catch {
            XCTAssertTrue(error.detail.contains("Directory server \(b.description) could not be reached"), error.detail)
        }
        await one.shutdown()
    }

    func testWrongServicePasswordIsReportedAsSuch() async throws {
        for name in Fixture.Name.allCases {
            let f = try Fixture.load(name)
            let d = try directory(f, bindPassword: Secret(Canary.make()))
            do {
                _ = try await d.findUsers(nil)
                XCTFail("must fail")
            } catch {
                XCTAssertEqual(error.reason, .serviceBindFailed, "\(name): \(error)")
                XCTAssertTrue(error.isTransient, "a push waiting on a config fix must not be lost")
            }
            await d.shutdown()
        }
    }
}

func XCTUnwrapAsync<T>(_ value: @autoclosure () async throws -> T?, file: StaticString = #filePath, line: UInt = #line) async throws -> T {
    let v = try await value()
    return try XCTUnwrap(v, file: file, line: line)
}

/// The pool after the directory restarts under it: the next push must go through, not fail.
final class ConnectionPoolRestartTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func testPushAfterServerRestartUsesAFreshConnection() async throws {
        let f = try Fixture.load(.openldap)
        let d = LDAPDirectory(LDAPDirectoryConfiguration(kind: .openLDAP, servers: [f.options()],
                                                         account: .password(dn: f.bindDN, password: try f.bindPassword()), userBase: f.userBase,
                                                         userNameAttributes: [f.userNameAttribute], poolSize: 2, poolWait: .seconds(5)))
        let bob = try await XCTUnwrapAsync(try await d.findUsers(.equals(.userName, "bob")).first)  // warms the pool
        try f.restartServer()
        let pw = Canary.make("restart")
        let report = try await d.setPassword(of: bob, to: Secret(pw))
        XCTAssertTrue(report.historyEnforced)
        let bound = try await f.bindResult(dn: bob.dn, password: Secret(pw))
        XCTAssertEqual(bound, 0)
        await d.shutdown()
    }
}
