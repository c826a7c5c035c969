import CKerberos
@testable import Kerberos
import XCTest

final class KerberosTests: XCTestCase {
    func testTheMachineAccountIsTheShortHostNameUpperCasedWithADollar() {
        XCTAssertEqual(MachinePrincipal.accountName(forHost: "web1.example.com"), "WEB1$")
        XCTAssertEqual(MachinePrincipal.accountName(forHost: "pwsynchost"), "PWSYNCHOST$")
        // NetBIOS names stop at 15 characters, and so do the accounts the joining tools create.
        XCTAssertEqual(MachinePrincipal.accountName(forHost: "averyveryverylongname.example.com"), "AVERYVERYVERYLO$")
    }

    func testTheMachineAccountIsPickedFromTheKeytabWithoutCase() {
        let entries = ["host/web1.example.com@EXAMPLE.COM", "RestrictedKrbHost/WEB1@EXAMPLE.COM", "web1$@EXAMPLE.COM"]
        XCTAssertEqual(MachinePrincipal.pick(from: entries, host: "web1.example.com"), "web1$@EXAMPLE.COM")
        XCTAssertNil(MachinePrincipal.pick(from: entries, host: "web2.example.com"))
        // A principal with an instance is never a machine account.
        XCTAssertNil(MachinePrincipal.pick(from: ["web1$/admin@EXAMPLE.COM"], host: "web1"))
    }

    func testATicketIsRenewedWhenAQuarterOfItsLifeOrFiveMinutesAreLeft() {
        let tenHours = KerberosTicket(principal: "A$@R", realm: "R", kdc: nil, start: 0, end: 36_000, cacheName: "MEMORY:x")
        XCTAssertFalse(tenHours.needsRenewal(at: 35_000))
        XCTAssertTrue(tenHours.needsRenewal(at: 35_701))
        let oneMinute = KerberosTicket(principal: "A$@R", realm: "R", kdc: nil, start: 0, end: 60, cacheName: "MEMORY:x")
        XCTAssertFalse(oneMinute.needsRenewal(at: 40))
        XCTAssertTrue(oneMinute.needsRenewal(at: 46))
        XCTAssertTrue(oneMinute.needsRenewal(at: 100))
    }

    func testKrb5CodesMapToTheFailureAnAdminCanActOn() {
        func map(_ code: Int, service: String? = nil) -> KerberosFailure {
            KerberosFailure.from(code: krb5_error_code(code), operation: "op", principal: "H$@R", realm: "R", keytab: "/k",
                                 service: service, message: "m")
        }
        XCTAssertEqual(map(Int(KRB5KRB_AP_ERR_SKEW)), .clockSkew(principal: "H$@R"))
        XCTAssertEqual(map(Int(KRB5KDC_ERR_PREAUTH_FAILED)), .wrongKey(principal: "H$@R", path: "/k"))
        XCTAssertEqual(map(Int(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN)), .unknownPrincipal(principal: "H$@R"))
        XCTAssertEqual(map(Int(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN), service: "ldap/x@R"), .missingServicePrincipal(spn: "ldap/x@R"))
        XCTAssertEqual(map(Int(KRB5_KDC_UNREACH)), .kdcUnreachable(realm: "R"))
        XCTAssertEqual(map(Int(KRB5_KT_NOTFOUND)), .principalNotInKeytab(path: "/k", principal: "H$@R"))
        XCTAssertEqual(map(Int(KRB5KRB_AP_ERR_TKT_EXPIRED)), .ticketExpired(principal: "H$@R"))
        XCTAssertTrue(map(Int(KRB5_KDC_UNREACH)).isTransient)
        XCTAssertTrue(map(Int(KRB5KRB_AP_ERR_TKT_EXPIRED)).isTransient, "a new ticket is fetched and the push retried")
        XCTAssertFalse(map(Int(KRB5KRB_AP_ERR_SKEW)).isTransient)
        XCTAssertFalse(map(Int(KRB5KDC_ERR_PREAUTH_FAILED)).isTransient)
    }

    func testAMissingOrUnreadableKeytabIsNamedBeforeTheKDCIsAsked() {
        let creds = KeytabCredentials(keytab: "/nonexistent/pwsync.keytab", principal: "H$@R")
        XCTAssertThrowsError(try creds.ticket()) { e in
            XCTAssertEqual(e as? KerberosFailure, .keytabMissing(path: "/nonexistent/pwsync.keytab"))
        }
    }
}
