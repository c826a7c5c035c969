import Foundation
import XCTest
@testable import SCIM

/// Okta's group requests, in the byte forms its SCIM 2.0 and 1.1 references show, and the
/// answers it reads back.
final class GroupWireTests: XCTestCase {
    let patchOp = #"["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#
    func patch(_ ops: String) throws -> GroupPatch {
        try GroupPatch.parse(Data(#"{"schemas":\#(patchOp),"Operations":\#(ops)}"#.utf8), version: .v2)
    }
    func json(_ d: Data) throws -> [String: Any] { try XCTUnwrap(JSONSerialization.jsonObject(with: d) as? [String: Any]) }

    func testOktasCreateAndPut() throws {
        let post = try GroupDocument.parse(Data(#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}"#.utf8), version: .v2)
        XCTAssertEqual(post, GroupDocument(displayName: "Test SCIMv2", members: []))
        let put = try GroupDocument.parse(Data(#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"abf4dd94-a4c0-4f67-89c9-76b03340cb9b","displayName":"Test SCIMv2","members":[{"value":"23a35c27-23d3-4c03-b4c5-6443c09e7173","display":"test.user@okta.local"},{"value":"89bb1940-b905-4575-9e7f-6f887cfb368e"},{"value":"23A35C27-23D3-4C03-B4C5-6443C09E7173"}]}"#.utf8), version: .v2)
        XCTAssertEqual(put.id, "abf4dd94-a4c0-4f67-89c9-76b03340cb9b")
        XCTAssertEqual(put.members, ["23a35c27-23d3-4c03-b4c5-6443c09e7173", "89bb1940-b905-4575-9e7f-6f887cfb368e"], "each member once")
        let v1 = try GroupDocument.parse(Data(#"{"schemas":["urn:scim:schemas:core:1.0"],"displayName":"Marketing","members":[],"urn:okta:custom:group:1.0":{"description":"Okta's description"}}"#.utf8), version: .v1)
        XCTAssertEqual(v1.displayName, "Marketing")
    }

    func testABadGroupBodyIsA400SayingWhy() {
        let bodies = [
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}"#,
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":""}"#,
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"a\u0000b"}"#,
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x","members":[{"display":"no value"}]}"#,
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x","members":{"value":"1"}}"#,
        ]
        for b in bodies {
            XCTAssertThrowsError(try GroupDocument.parse(Data(b.utf8), version: .v2)) { XCTAssertEqual(($0 as? SCIMError)?.status, 400, b) }
        }
    }

    func testOktasRenameIsAValueObjectWithoutPath() throws {
        let p = try patch(#"[{"op":"replace","value":{"id":"abf4dd94-a4c0-4f67-89c9-76b03340cb9b","displayName":"Test SCIMv2 renamed"}}]"#)
        XCTAssertEqual(p, GroupPatch(displayName: "Test SCIMv2 renamed"))
        XCTAssertEqual(try patch(#"[{"op":"replace","path":"displayName","value":"Other"}]"#), GroupPatch(displayName: "Other"))
    }

    func testOktasMembershipChanges() throws {
        let add = try patch(#"[{"op":"add","path":"members","value":[{"value":"23a35c27-23d3-4c03-b4c5-6443c09e7173","display":"test.user@okta.local"}]}]"#)
        XCTAssertEqual(add.members, [.add(["23a35c27-23d3-4c03-b4c5-6443c09e7173"])])
        let remove = try patch(#"[{"op":"remove","path":"members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"}]"#)
        XCTAssertEqual(remove.members, [.remove(["89bb1940-b905-4575-9e7f-6f887cfb368e"])])
        let full = try patch(#"[{"op":"replace","value":{"id":"g1","displayName":"G"}},{"op":"replace","path":"members","value":[{"value":"a"},{"value":"b"}]}]"#)
        XCTAssertEqual(full, GroupPatch(displayName: "G", members: [.replace(["a", "b"])]))
        XCTAssertEqual(try patch(#"[{"op":"remove","path":"members"}]"#).members, [.replace([])], "remove without a value empties the group")
        XCTAssertEqual(try patch(#"[{"op":"remove","path":"members","value":[{"value":"a"}]}]"#).members, [.remove(["a"])])
        XCTAssertEqual(try patch(#"[{"op":"Add","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members","value":[{"value":"a"}]}]"#).members, [.add(["a"])])
        let ordered = try patch(#"[{"op":"add","path":"members","value":[{"value":"a"}]},{"op":"remove","path":"members[value eq \"a\"]"}]"#)
        XCTAssertEqual(ordered.members, [.add(["a"]), .remove(["a"])], "kept in order")
    }

    func testPathsPwsyncDoesNotWriteAreA400() {
        for ops in [#"[{"op":"remove","path":"displayName"}]"#, #"[{"op":"replace","path":"externalId","value":"x"}]"#,
                    #"[{"op":"remove","path":"members[display eq \"x\"]"}]"#, #"[{"op":"remove"}]"#,
                    #"[{"op":"add","path":"members[value eq \"a\"]","value":[{"value":"a"}]}]"#] {
            XCTAssertThrowsError(try patch(ops)) { XCTAssertEqual(($0 as? SCIMError)?.status, 400, ops) }
        }
    }

    func testSCIM11PatchIsThePartialResource() throws {
        let p = try GroupPatch.parse(Data(#"{"schemas":["urn:scim:schemas:core:1.0"],"displayName":"Marketing","members":[{"value":"a"},{"value":"b","operation":"delete"}]}"#.utf8), version: .v1)
        XCTAssertEqual(p, GroupPatch(displayName: "Marketing", members: [.add(["a"]), .remove(["b"])]))
        let cleared = try GroupPatch.parse(Data(#"{"schemas":["urn:scim:schemas:core:1.0"],"meta":{"attributes":["members"]},"members":[{"value":"c"}]}"#.utf8), version: .v1)
        XCTAssertEqual(cleared.members, [.replace([]), .add(["c"])])
    }

    func testRenderedForBothVersionsAndWithoutMembersOnRequest() throws {
        let g = GroupResource(id: "g1", displayName: "Staff", members: [.init(id: "u1", display: "alice@x.test")])
        let v2 = try json(g.body(ResponseContext(version: .v2, origin: "https://pwsync.x.test", basePath: "/scim/v2")))
        XCTAssertEqual(v2["schemas"] as? [String], ["urn:ietf:params:scim:schemas:core:2.0:Group"])
        XCTAssertEqual(v2["displayName"] as? String, "Staff")
        let m = try XCTUnwrap((v2["members"] as? [[String: Any]])?.first)
        XCTAssertEqual(m["value"] as? String, "u1")
        XCTAssertEqual(m["display"] as? String, "alice@x.test")
        XCTAssertEqual(m["$ref"] as? String, "https://pwsync.x.test/scim/v2/Users/u1")
        XCTAssertEqual((v2["meta"] as? [String: Any])?["location"] as? String, "https://pwsync.x.test/scim/v2/Groups/g1")
        XCTAssertEqual((v2["meta"] as? [String: Any])?["resourceType"] as? String, "Group")
        let v1 = try json(g.body(ResponseContext(version: .v1, basePath: "/scim/v1")))
        XCTAssertEqual(v1["schemas"] as? [String], ["urn:scim:schemas:core:1.0"])
        XCTAssertNil((v1["members"] as? [[String: Any]])?.first?["$ref"])
        let lean = try json(g.body(ResponseContext(version: .v2, basePath: "/scim/v2",
                                                   selection: AttributeSelection(attributes: nil, excludedAttributes: "members"))))
        XCTAssertNil(lean["members"], "Okta's import asks excludedAttributes=members")
        XCTAssertEqual(lean["displayName"] as? String, "Staff")
        let list = try json(ListResponse(totalResults: 1, startIndex: 1, resources: [g]).body(ResponseContext(version: .v2, basePath: "/scim/v2")))
        XCTAssertEqual(list["totalResults"] as? Int, 1)
        XCTAssertEqual((list["Resources"] as? [[String: Any]])?.first?["id"] as? String, "g1")
    }
}
