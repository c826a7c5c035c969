import Foundation
@testable import SCIM
import Secrets
import XCTest

/// Profile values read the same from every request form; responses honour attributes /
/// excludedAttributes; 1.1 errors carry a top-level detail; meta is absolute and dated.
final class ProfileAndSelectionTests: XCTestCase {
    func json(_ d: Data) throws -> [String: Any] { try XCTUnwrap(JSONSerialization.jsonObject(with: d) as? [String: Any]) }

    func testCanonicalPaths() {
        XCTAssertEqual(ProfilePath.canonical("name.givenName"), "name.givenname")
        XCTAssertEqual(ProfilePath.canonical("urn:ietf:params:scim:schemas:core:2.0:User:displayName"), "displayname")
        XCTAssertEqual(ProfilePath.canonical(#"phoneNumbers[type eq "work"].value"#), #"phonenumbers[type eq "work"].value"#)
        XCTAssertEqual(ProfilePath.canonical(#"emails[ type  eq  "Work" ].value"#), #"emails[type eq "work"].value"#)
        XCTAssertEqual(ProfilePath.canonical("emails[primary eq true].value"), "emails[primary].value")
        XCTAssertEqual(ProfilePath.canonical("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
                       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department")
        for bad in ["password", "userName", "active", "a.b.c", "emails[value sw \"x\"].value", "", "x y"] {
            XCTAssertNil(ProfilePath.canonical(bad), bad)
        }
    }

    func testEveryFormYieldsTheSameProfileValues() throws {
        let put = try UserDocument.parse(Data(#"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jdoe","password":"x1Y!pass",
             "name":{"givenName":"Jane","familyName":"Doe"},"displayName":"Jane D","title":"CFO",
             "emails":[{"value":"j@x.test","type":"work","primary":true}],
             "phoneNumbers":[{"value":"+1 555","type":"work"}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Finance"}}
            """#.utf8), version: .v2).change
        XCTAssertEqual(put.profile["title"], "CFO")
        XCTAssertEqual(put.profile["name.givenname"], "Jane")
        XCTAssertEqual(put.profile[#"phonenumbers[type eq "work"].value"#], "+1 555")
        XCTAssertEqual(put.profile["emails[primary].value"], "j@x.test")
        XCTAssertEqual(put.profile["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department"], "Finance")
        XCTAssertNil(put.profile["password"] as String??, "the password is never a profile value")

        let byPath = try PatchRequest.parse(Data(#"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"replace","path":"title","value":"CFO"},
              {"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":"+1 555"},
              {"op":"replace","path":"name","value":{"givenName":"Jane"}},
              {"op":"remove","path":"nickName"}]}
            """#.utf8))
        XCTAssertEqual(byPath.profile["title"], "CFO")
        XCTAssertEqual(byPath.profile[#"phonenumbers[type eq "work"].value"#], "+1 555")
        XCTAssertEqual(byPath.profile["name.givenname"], "Jane")
        XCTAssertEqual(byPath.profile["nickname"], .some(nil), "remove clears")

        let byValue = try PatchRequest.parse(Data(#"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"replace","value":{"displayName":"Jane D","password":"x1Y!pass","active":true}}]}
            """#.utf8))
        XCTAssertEqual(byValue.profile, ["displayname": "Jane D"])
        XCTAssertNotNil(byValue.password)
    }

    func testAttributesAndExcludedAttributes() throws {
        let u = UserResource(id: "x", userName: "jdoe", active: true, givenName: "J", familyName: "Doe", email: "j@x.test",
                             profile: ["title": "CFO"], created: "2026-11-30T10:00:00Z", lastModified: "2026-11-30T11:00:00Z")
        func render(_ a: String?, _ e: String?) throws -> [String: Any] {
            try json(u.body(ResponseContext(version: .v2, origin: "https://p.example:8443", basePath: "/scim/v2",
                                            selection: AttributeSelection(attributes: a, excludedAttributes: e))))
        }
        let all = try render(nil, nil)
        XCTAssertEqual(all["title"] as? String, "CFO", "a mapped profile value is returned")
        let meta = try XCTUnwrap(all["meta"] as? [String: Any])
        XCTAssertEqual(meta["location"] as? String, "https://p.example:8443/scim/v2/Users/x")
        XCTAssertEqual(meta["created"] as? String, "2026-11-30T10:00:00Z")
        XCTAssertEqual(meta["lastModified"] as? String, "2026-11-30T11:00:00Z")
        XCTAssertNil(meta["version"], "no made-up version")

        let excluded = try render(nil, "name,urn:ietf:params:scim:schemas:core:2.0:User:emails")
        XCTAssertNil(excluded["name"])
        XCTAssertNil(excluded["emails"])
        XCTAssertNotNil(excluded["userName"])
        XCTAssertEqual(excluded["id"] as? String, "x")

        let only = try render("userName,name.familyName", nil)
        XCTAssertEqual(Set(only.keys), ["id", "schemas", "userName", "name"])
        XCTAssertEqual(only["name"] as? [String: String], ["familyName": "Doe"])

        let sub = try render(nil, "emails.type,meta")
        XCTAssertEqual((sub["emails"] as? [[String: Any]])?.first?["type"] as? String, nil)
        XCTAssertEqual((sub["emails"] as? [[String: Any]])?.first?["value"] as? String, "j@x.test")
        XCTAssertNil(sub["meta"])
        XCTAssertEqual(try render("ID", nil).keys.sorted(), ["id", "schemas"], "names are case-insensitive; id always returned")
    }

    func testSCIM11ErrorHasATopLevelDetail() throws {
        let body = try json(SCIMError.notFound("No user with id 'x'.").body(.v1))
        XCTAssertEqual(body["detail"] as? String, "No user with id 'x'.")
        XCTAssertEqual((body["Errors"] as? [[String: Any]])?.first?["description"] as? String, "No user with id 'x'.")
        XCTAssertEqual((body["Errors"] as? [[String: Any]])?.first?["code"] as? Int, 404)
    }

    func testDiscoveryDescribesThisConfiguration() throws {
        let minimal = Discovery.Capabilities(createUsers: false, disableAccounts: true, profileAttributes: [])
        let v1 = try json(Discovery.serviceProviderConfig(.v1, basePath: "/scim/v1", capabilities: minimal))
        let caps = (v1[Discovery.oktaProviderConfig] as? [String: Any])?["userManagementCapabilities"] as? [String]
        XCTAssertEqual(caps, ["PUSH_PASSWORD_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"])
        let full = Discovery.Capabilities(createUsers: true, disableAccounts: false, profileAttributes: ["title"])
        let v1full = try json(Discovery.serviceProviderConfig(.v1, basePath: "/scim/v1", capabilities: full))
        XCTAssertEqual((v1full[Discovery.oktaProviderConfig] as? [String: Any])?["userManagementCapabilities"] as? [String],
                       ["PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PROFILE_UPDATES"])

        let schemas = try json(Discovery.schemas(.v1, basePath: "/scim/v1", capabilities: minimal))
        XCTAssertEqual(schemas["schemas"] as? [String], ["urn:scim:schemas:core:1.0:ListResponse"])
        let ids = (schemas["Resources"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        XCTAssertEqual(ids, ["urn:scim:schemas:core:1.0"], "no 2.0 Group schema in the 1.1 list")
        let user = try XCTUnwrap((schemas["Resources"] as? [[String: Any]])?.first?["attributes"] as? [[String: Any]])
        XCTAssertEqual(user.first { $0["name"] as? String == "displayName" }?["mutability"] as? String, "readOnly",
                       "profile attributes pwsync does not write are read-only")
    }
}

final class AmbiguousJSONTests: XCTestCase {
    func testDuplicateAndCaseCollidingNamesAreRefused() {
        for body in [#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","password":"x","password":"y"}"#,
                     #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","password":"x","PASSWORD":"y"}"#,
                     #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","password":"x","pass\u0077ord":"y"}"#,
                     #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"x","GIVENNAME":"y"}}"#] {
            XCTAssertThrowsError(try UserDocument.parse(Data(body.utf8), version: .v2), body) {
                XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidSyntax", body)
            }
        }
        // The same name in different objects, or in strings, is fine.
        XCTAssertNoThrow(try UserDocument.parse(Data(#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"value","emails":[{"value":"a"},{"value":"b"}],"displayName":"\"userName\""}"#.utf8), version: .v2))
    }

    func testPasswordNestedUnderTheCoreSchemaIsAPasswordPush() throws {
        let c = try PatchRequest.parse(Data(#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"password":"N3w!pass","title":"CFO"}}}]}"#.utf8))
        XCTAssertEqual(c.password?.withUnsafeBytes { Array($0) }, Array("N3w!pass".utf8))
        XCTAssertEqual(c.profile, ["title": "CFO"], "the URN object is the core resource, not an extension")
    }
}
