import XCTest
@testable import LDAPSyntax

/// Filters are built from parts; a value never changes a filter's shape.
final class LDAPFilterTests: XCTestCase {
    func testEachPartRendersAsRFC4515() {
        XCTAssertEqual(LDAPFilter.equals("uid", "alice").text, "(uid=alice)")
        XCTAssertEqual(LDAPFilter.present("objectClass").text, "(objectClass=*)")
        XCTAssertEqual(LDAPFilter.any.text, "(objectClass=*)")
        XCTAssertEqual(LDAPFilter.none.text, "(!(objectClass=*))")
        XCTAssertEqual(LDAPFilter.equalsBytes("objectGUID", [0x01, 0x41]).text, #"(objectGUID=\01\41)"#)
        XCTAssertEqual(LDAPFilter.extensible("member", rule: "1.2.840.113556.1.4.1941", "CN=A (IT),DC=x").text,
                       #"(member:1.2.840.113556.1.4.1941:=CN=A \28IT\29,DC=x)"#)
        XCTAssertEqual(LDAPFilter.or([.equals("uid", "a"), .equals("mail", "a")]).text, "(|(uid=a)(mail=a))")
    }

    func testAValueCannotOpenOrCloseAFilter() {
        let hostile = "*)(|(objectClass=*"
        XCTAssertEqual(LDAPFilter.equals("uid", hostile).text, #"(uid=\2a\29\28|\28objectClass=\2a)"#)
        XCTAssertEqual(LDAPFilter.or([.equals("member", "cn=a)(b"), .equals("memberUid", "x*")]).text,
                       #"(|(member=cn=a\29\28b)(memberUid=x\2a))"#)
    }

    func testOnePartIsItselfAndNestedAndsAreFlattened() {
        XCTAssertEqual(LDAPFilter.or([.equals("uid", "a")]).text, "(uid=a)", "one userName attribute: no (|…) around it")
        let userObjects = LDAPFilter.and([.equals("objectClass", "user"), .equals("objectCategory", "person")])
        XCTAssertEqual(LDAPFilter.and([userObjects, .equals("sAMAccountName", "bob")]).text,
                       "(&(objectClass=user)(objectCategory=person)(sAMAccountName=bob))")
        XCTAssertEqual(LDAPFilter.and([.equals("objectClass", "inetOrgPerson")]).text, "(objectClass=inetOrgPerson)")
        XCTAssertEqual(LDAPFilter.and([userObjects, .or([.equals("a", "1"), .equals("b", "2")])]).text,
                       "(&(objectClass=user)(objectCategory=person)(|(a=1)(b=2)))", "an or inside stays whole")
    }

    func testAnAdministratorsFilterIsSentAsWrittenInOnePairOfParentheses() {
        XCTAssertEqual(LDAPFilter.administrator(" (department=Kiosks) ").text, "(department=Kiosks)")
        XCTAssertEqual(LDAPFilter.administrator("department=Kiosks").text, "(department=Kiosks)")
        XCTAssertEqual(LDAPFilter.and([.equals("objectClass", "inetOrgPerson"), .administrator("&(a=1)(b=2)")]).text,
                       "(&(objectClass=inetOrgPerson)(&(a=1)(b=2)))")
    }
}
