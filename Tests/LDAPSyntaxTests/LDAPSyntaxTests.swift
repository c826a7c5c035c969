import XCTest
@testable import LDAPSyntax

final class LDAPURLTests: XCTestCase {
    func testParsing() throws {
        XCTAssertEqual(try LDAPURL(parsing: "ldaps://dc1.corp.example").description, "ldaps://dc1.corp.example:636")
        XCTAssertEqual(try LDAPURL(parsing: "ldap://10.0.0.1:3389/").port, 3389)
        XCTAssertEqual(try LDAPURL(parsing: "LDAPS://[::1]:1636").host, "::1")
        XCTAssertEqual(try LDAPURL(parsing: "ldaps://[::1]:1636").description, "ldaps://[::1]:1636")
    }

    func testRejects() {
        XCTAssertThrowsError(try LDAPURL(parsing: "https://dc1")) { XCTAssertEqual($0 as? LDAPURL.ParseError, .scheme) }
        XCTAssertThrowsError(try LDAPURL(parsing: "ldaps://")) { XCTAssertEqual($0 as? LDAPURL.ParseError, .host) }
        XCTAssertThrowsError(try LDAPURL(parsing: "ldaps://dc1:99999")) { XCTAssertEqual($0 as? LDAPURL.ParseError, .port) }
        XCTAssertThrowsError(try LDAPURL(parsing: "ldaps://dc1/dc=x??sub")) { XCTAssertEqual($0 as? LDAPURL.ParseError, .trailing) }
    }
}

final class LDAPFilterEscapeTests: XCTestCase {
    func testRFC4515Examples() {
        XCTAssertEqual(LDAPFilter.escape("o*ne(1)"), #"o\2ane\281\29"#)
        XCTAssertEqual(LDAPFilter.escape(#"a\b"#), #"a\5cb"#)
        XCTAssertEqual(LDAPFilter.escape("a\u{0}b"), #"a\00b"#)
        XCTAssertEqual(LDAPFilter.escape("*)(uid=*"), #"\2a\29\28uid=\2a"#)
    }

    func testNonASCIIBecomesEscapedUTF8() {
        XCTAssertEqual(LDAPFilter.escape("Jü"), #"J\c3\bc"#)
    }

    func testBinaryEscapesEveryByte() {
        XCTAssertEqual(LDAPFilter.escape(bytes: [0x00, 0x41, 0xff]), #"\00\41\ff"#)
    }
}


final class GeneralizedTimeTests: XCTestCase {
    func testDirectoryTimesBecomeRFC3339() {
        XCTAssertEqual(GeneralizedTime.rfc3339("20261130144500Z"), "2026-11-30T14:45:00Z")
        XCTAssertEqual(GeneralizedTime.rfc3339("20261130144500.0Z"), "2026-11-30T14:45:00Z")
        XCTAssertNil(GeneralizedTime.rfc3339("202611301445Z"), "no seconds")
        XCTAssertNil(GeneralizedTime.rfc3339("20261130144500+0100"), "not UTC")
        XCTAssertNil(GeneralizedTime.rfc3339("2026113014450xZ"))
    }
}
