import Directory
import XCTest

/// The one table of first-class user attributes: looked up both ways, read and written through it.
final class UserAttributeTests: XCTestCase {
    func testEachPathAndFilterNameFindsItsAttribute() {
        for a in UserAttribute.allCases {
            for p in a.profilePaths { XCTAssertEqual(UserAttribute(profilePath: p), a, p) }
            for n in a.filterNames { XCTAssertEqual(UserAttribute(filterName: n.uppercased()), a, "filter names are case-insensitive: \(n)") }
        }
        XCTAssertNil(UserAttribute(profilePath: "title"), "a mapped profile value, not a first-class attribute")
        XCTAssertNil(UserAttribute(filterName: "displayName"), "not filterable")
        XCTAssertEqual(UserAttribute.filterable.map(\.scimName), ["userName", "emails.value", "name.givenName", "name.familyName"])
    }

    func testIdentityIsNeverProfileData() {
        XCTAssertEqual(UserAttribute.id.profilePaths, [])
        XCTAssertEqual(UserAttribute.userName.profilePaths, [])
    }

    func testValuesAreReadAndWrittenThroughTheTable() {
        var u = DirectoryUser(id: "1", dn: "uid=a", userName: "a", profile: ["title": "Engineer"])
        u[.givenName] = "Ada"
        u[.email] = "ada@x.test"
        u[.userName] = "someone-else"
        u[.id] = "2"
        XCTAssertEqual(u.givenName, "Ada")
        XCTAssertEqual(u.email, "ada@x.test")
        XCTAssertEqual(u.userName, "a", "who the account is is not changed through the table")
        XCTAssertEqual(u.id, "1")
        XCTAssertEqual(u.value(atProfilePath: "name.givenname"), "Ada")
        XCTAssertEqual(u.value(atProfilePath: "emails[type eq \"work\"].value"), "ada@x.test")
        XCTAssertEqual(u.value(atProfilePath: "title"), "Engineer")
        XCTAssertNil(u.value(atProfilePath: "displayname"))
    }
}
