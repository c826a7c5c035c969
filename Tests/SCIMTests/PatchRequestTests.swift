import Foundation
import XCTest
@testable import SCIM
import Secrets

final class PatchRequestTests: XCTestCase {
    func body(_ ops: String, schemas: String = #"["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#) -> Data {
        Data(#"{"schemas":\#(schemas),"Operations":\#(ops)}"#.utf8)
    }

    func password(_ c: UserChange) -> String? {
        c.password?.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    func testOktaFormValueObjectWithoutPath() throws {
        let c = try PatchRequest.parse(body(#"[{"op":"replace","value":{"password":"N3w!pass"}}]"#))
        XCTAssertEqual(password(c), "N3w!pass")
        XCTAssertEqual(c.form, .patchValue)
        XCTAssertNil(c.active)
    }

    func testRFCFormWithPathAndCaseInsensitiveOp() throws {
        let c = try PatchRequest.parse(body(#"[{"op":"Replace","path":"password","value":"N3w!pass"}]"#))
        XCTAssertEqual(password(c), "N3w!pass")
        XCTAssertEqual(c.form, .patchPath)
    }

    func testOperationsApplyInOrder() throws {
        let c = try PatchRequest.parse(body(#"[{"op":"replace","value":{"password":"first","active":true}},{"op":"REPLACE","path":"password","value":"second"},{"op":"replace","path":"active","value":false}]"#))
        XCTAssertEqual(password(c), "second")
        XCTAssertEqual(c.active, false)
    }

    func testActiveAcceptsBoolAndBoolStringsButNotNumbers() throws {
        XCTAssertEqual(try PatchRequest.parse(body(#"[{"op":"replace","value":{"active":false}}]"#)).active, false)
        XCTAssertEqual(try PatchRequest.parse(body(#"[{"op":"replace","path":"active","value":"True"}]"#)).active, true)
        XCTAssertThrowsError(try PatchRequest.parse(body(#"[{"op":"replace","value":{"active":1}}]"#)))
    }

    func testNonSCIMInputIsRejectedWithDetail() {
        let cases: [(Data, String)] = [
            (Data("{not json".utf8), "invalidSyntax"),
            (Data("[]".utf8), "invalidSyntax"),
            (body(#"[{"op":"replace","value":{"password":"x"}}]"#, schemas: #"["urn:ietf:params:scim:schemas:core:2.0:User"]"#), "invalidSyntax"),
            (body("[]"), "invalidSyntax"),
            (body(#"[{"op":"frobnicate","value":{}}]"#), "invalidSyntax"),
            (body(#"[{"value":{"password":"x"}}]"#), "invalidSyntax"),
            (body(#"[{"op":"replace"}]"#), "invalidSyntax"),
            (body(#"[{"op":"replace","value":"just a string"}]"#), "invalidValue"),
            (body(#"[{"op":"replace","value":{"password":42}}]"#), "invalidValue"),
            (body(#"[{"op":"replace","value":{"password":""}}]"#), "invalidValue"),
            (body(#"[{"op":"remove","path":"password"}]"#), "invalidValue"),
        ]
        for (data, type) in cases {
            XCTAssertThrowsError(try PatchRequest.parse(data)) { e in
                let s = e as? SCIMError
                XCTAssertEqual(s?.status, 400)
                XCTAssertEqual(s?.scimType, type, String(decoding: data, as: UTF8.self))
                XCTAssertFalse(s?.detail.isEmpty ?? true)
            }
        }
    }

    func testErrorDetailNeverEchoesThePassword() {
        let canary = "Canary-Zq9!"
        XCTAssertThrowsError(try PatchRequest.parse(body(#"[{"op":"remove","path":"password","value":"\#(canary)"}]"#))) {
            XCTAssertFalse("\($0)".contains(canary))
        }
    }
}

final class ResponseBodyTests: XCTestCase {
    func json(_ d: Data) throws -> [String: Any] { try XCTUnwrap(JSONSerialization.jsonObject(with: d) as? [String: Any]) }

    func testErrorBodiesInBothDialects() throws {
        let e = SCIMError.invalidValue("Bad value.")
        let v2 = try json(e.body(.v2))
        XCTAssertEqual(v2["schemas"] as? [String], ["urn:ietf:params:scim:api:messages:2.0:Error"])
        XCTAssertEqual(v2["status"] as? String, "400")
        XCTAssertEqual(v2["scimType"] as? String, "invalidValue")
        XCTAssertEqual(v2["detail"] as? String, "Bad value.")
        let v1 = try json(e.body(.v1))
        let errors = try XCTUnwrap(v1["Errors"] as? [[String: Any]])
        XCTAssertEqual(errors.first?["description"] as? String, "Bad value.")
        XCTAssertEqual(errors.first?["code"] as? Int, 400)
    }

    func testListResponseShapeAndIntegers() throws {
        let users = (1...3).map { UserResource(id: "id\($0)", userName: "u\($0)", active: true) }
        let body = try json(ListResponse(totalResults: 3, startIndex: 2, resources: Array(users[1...])).body(ResponseContext(version: .v2, basePath: "/scim/v2")))
        XCTAssertEqual(body["schemas"] as? [String], ["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        XCTAssertEqual(body["totalResults"] as? Int, 3)
        XCTAssertEqual(body["startIndex"] as? Int, 2)
        XCTAssertEqual(body["itemsPerPage"] as? Int, 2)
        XCTAssertEqual((body["Resources"] as? [[String: Any]])?.map { $0["id"] as? String }, ["id2", "id3"])
    }

    func testUserResourceHasNoPasswordAndTheSPECFields() throws {
        let u = UserResource(id: "x", userName: "jdoe@example.com", active: false, givenName: "J", familyName: "Doe", email: "jdoe@example.com")
        let body = try json(u.body(ResponseContext(version: .v2, basePath: "/scim/v2")))
        XCTAssertNil(body["password"])
        XCTAssertEqual(body["active"] as? Bool, false)
        XCTAssertEqual((body["name"] as? [String: Any])?["familyName"] as? String, "Doe")
        XCTAssertEqual(((body["emails"] as? [[String: Any]])?.first)?["value"] as? String, "jdoe@example.com")
        XCTAssertEqual((body["meta"] as? [String: Any])?["location"] as? String, "/scim/v2/Users/x")
    }

    func testPagination() throws {
        let all = Array(1...10)
        XCTAssertEqual(Array(try Pagination(startIndex: "1", count: "2").page(all)), [1, 2])
        XCTAssertEqual(Array(try Pagination(startIndex: "9", count: "5").page(all)), [9, 10])
        XCTAssertEqual(Array(try Pagination(startIndex: "0", count: nil).page(all)), all)
        XCTAssertEqual(Array(try Pagination(startIndex: "20", count: "5").page(all)), [])
        XCTAssertEqual(Array(try Pagination(startIndex: "1", count: "-3").page(all)), [])
        XCTAssertThrowsError(try Pagination(startIndex: "one", count: nil))
    }
}
