import XCTest
@testable import LDAP
#if canImport(Glibc)
import Glibc
#endif

final class LDAPErrorTests: XCTestCase {
    /// libldap gets the fraction of a second too.
    func testTimeoutsKeepTheirFraction() {
        let tv = LDAPTimeout.timeval(.milliseconds(2500))
        XCTAssertEqual(tv.tv_sec, 2)
        XCTAssertEqual(tv.tv_usec, 500_000)
        XCTAssertEqual(LDAPTimeout.timeval(.seconds(10)).tv_usec, 0)
    }

    func testWin32CodeParsing() {
        let e = LDAPError(kind: .result(19), operation: "modify", diagnostic: "0000052D: Constraint violation - check_password_restrictions")
        XCTAssertEqual(e.win32Code, 0x52D)
        XCTAssertNil(LDAPError(kind: .result(19), operation: "m", diagnostic: "Password fails quality checking policy").win32Code)
        XCTAssertNil(LDAPError(kind: .result(19), operation: "m", diagnostic: "+000052D: x").win32Code)
        XCTAssertNil(LDAPError(kind: .result(19), operation: "m", diagnostic: nil).win32Code)
    }

    func testTransientCodes() {
        for c: Int32 in [-1, -5, -11, 51, 52] { XCTAssertTrue(LDAPError(kind: .result(c), operation: "x").isTransient, "\(c)") }
        for c: Int32 in [19, 32, 49, 50, 53] { XCTAssertFalse(LDAPError(kind: .result(c), operation: "x").isTransient, "\(c)") }
        XCTAssertFalse(LDAPError(kind: .insecureConnection, operation: "x").isTransient)
    }

    func testDescriptionKeepsServerTextOut() {
        let e = LDAPError(kind: .result(53), operation: "modify", diagnostic: "0000001F: SvcErr: DSID-031A126C, problem 5003 (WILL_NOT_PERFORM) secret-ish text")
        XCTAssertFalse(e.description.contains("secret-ish"))
        XCTAssertTrue(e.description.contains("rc 53"))
        XCTAssertTrue(e.description.contains("1F"))
    }
}
