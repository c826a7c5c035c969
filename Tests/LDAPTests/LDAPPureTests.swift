import XCTest
@testable import LDAP
import CLDAP
import LDAPSyntax
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
        let e = LDAPError(kind: .result(.constraintViolation), operation: "modify", diagnostic: "0000052D: Constraint violation - check_password_restrictions")
        XCTAssertEqual(e.win32Code, 0x52D)
        XCTAssertNil(LDAPError(kind: .result(.constraintViolation), operation: "m", diagnostic: "Password fails quality checking policy").win32Code)
        XCTAssertNil(LDAPError(kind: .result(.constraintViolation), operation: "m", diagnostic: "+000052D: x").win32Code)
        XCTAssertNil(LDAPError(kind: .result(.constraintViolation), operation: "m", diagnostic: nil).win32Code)
    }

    func testTransientCodes() {
        for c: Int32 in [-1, -5, -11, 51, 52] { XCTAssertTrue(LDAPError(kind: .result(LDAPResultCode(c)), operation: "x").isTransient, "\(c)") }
        for c: Int32 in [19, 32, 49, 50, 53] { XCTAssertFalse(LDAPError(kind: .result(LDAPResultCode(c)), operation: "x").isTransient, "\(c)") }
        XCTAssertFalse(LDAPError(kind: .insecureConnection, operation: "x").isTransient)
    }

    /// The names are libldap's numbers: a typo here would map a refusal to the wrong reason.
    func testResultCodeNamesAreLibldapsNumbers() {
        let pairs: [(LDAPResultCode, Int32)] = [
            (.success, LDAP_SUCCESS), (.operationsError, LDAP_OPERATIONS_ERROR), (.protocolError, LDAP_PROTOCOL_ERROR),
            (.sizeLimitExceeded, LDAP_SIZELIMIT_EXCEEDED), (.strongerAuthRequired, LDAP_STRONG_AUTH_REQUIRED),
            (.unavailableCriticalExtension, LDAP_UNAVAILABLE_CRITICAL_EXTENSION), (.confidentialityRequired, LDAP_CONFIDENTIALITY_REQUIRED),
            (.noSuchAttribute, LDAP_NO_SUCH_ATTRIBUTE), (.undefinedAttributeType, LDAP_UNDEFINED_TYPE),
            (.constraintViolation, LDAP_CONSTRAINT_VIOLATION), (.attributeOrValueExists, LDAP_TYPE_OR_VALUE_EXISTS),
            (.invalidAttributeSyntax, LDAP_INVALID_SYNTAX), (.noSuchObject, LDAP_NO_SUCH_OBJECT),
            (.invalidCredentials, LDAP_INVALID_CREDENTIALS), (.insufficientAccessRights, LDAP_INSUFFICIENT_ACCESS),
            (.busy, LDAP_BUSY), (.unavailable, LDAP_UNAVAILABLE), (.unwillingToPerform, LDAP_UNWILLING_TO_PERFORM),
            (.objectClassViolation, LDAP_OBJECT_CLASS_VIOLATION), (.notAllowedOnNonLeaf, LDAP_NOT_ALLOWED_ON_NONLEAF),
            (.entryAlreadyExists, LDAP_ALREADY_EXISTS), (.objectClassModsProhibited, LDAP_NO_OBJECT_CLASS_MODS),
            (.serverDown, LDAP_SERVER_DOWN), (.localError, LDAP_LOCAL_ERROR), (.timeout, LDAP_TIMEOUT),
            (.filterError, LDAP_FILTER_ERROR), (.connectError, LDAP_CONNECT_ERROR),
        ]
        for (name, number) in pairs { XCTAssertEqual(name.rawValue, number, "\(name)") }
        XCTAssertEqual(PasswordPolicyError.passwordInHistory.rawValue, Int32(PP_passwordInHistory.rawValue))
        XCTAssertEqual(PasswordPolicyError.passwordTooShort.rawValue, Int32(PP_passwordTooShort.rawValue))
        XCTAssertEqual(PasswordPolicyError.passwordTooLong.rawValue, Int32(PP_passwordTooLong.rawValue))
    }

    func testDescriptionKeepsServerTextOut() {
        let e = LDAPError(kind: .result(.unwillingToPerform), operation: "modify", diagnostic: "0000001F: SvcErr: DSID-031A126C, problem 5003 (WILL_NOT_PERFORM) secret-ish text")
        XCTAssertFalse(e.description.contains("secret-ish"))
        XCTAssertTrue(e.description.contains("rc 53"))
        XCTAssertTrue(e.description.contains("1F"))
    }
}
