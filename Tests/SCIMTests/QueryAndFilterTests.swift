import XCTest
@testable import SCIM

final class QueryStringTests: XCTestCase {
    func testBothOktaEncodingsDecodeAlike() throws {
        let a = try QueryString.parse("filter=userName%20eq%20%22jdoe%40example.com%22&startIndex=1&count=100")
        let b = try QueryString.parse("filter=userName+eq+%22jdoe%40example.com%22&startIndex=1&count=100")
        XCTAssertEqual(a["filter"], #"userName eq "jdoe@example.com""#)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a["count"], "100")
    }

    func testEncodedPlusStaysPlus() throws {
        XCTAssertEqual(try QueryString.parse("filter=userName+eq+%22a%2Bb%22")["filter"], #"userName eq "a+b""#)
    }

    func testBrokenEscapesAreErrors() {
        XCTAssertThrowsError(try QueryString.parse("filter=%zz"))
        XCTAssertThrowsError(try QueryString.parse("filter=%2"))
        XCTAssertThrowsError(try QueryString.parse("filter=%ff%fe"))  // not UTF-8
    }
}

final class SCIMFilterTests: XCTestCase {
    func testEq() throws {
        XCTAssertEqual(try SCIMFilter.parse(#"userName eq "alice""#), .eq(attribute: "userName", value: .string("alice")))
        XCTAssertEqual(try SCIMFilter.parse(#"userName EQ "alice""#), .eq(attribute: "userName", value: .string("alice")))
    }

    func testAndOrPrecedenceAndParentheses() throws {
        let f = try SCIMFilter.parse(#"userName eq "a" or userName eq "b" and emails.value eq "c""#)
        XCTAssertEqual(f, .or(.eq(attribute: "userName", value: .string("a")),
                              .and(.eq(attribute: "userName", value: .string("b")), .eq(attribute: "emails.value", value: .string("c")))))
        let g = try SCIMFilter.parse(#"(userName eq "a" or userName eq "b") and active eq true"#)
        XCTAssertEqual(g, .and(.or(.eq(attribute: "userName", value: .string("a")), .eq(attribute: "userName", value: .string("b"))),
                               .eq(attribute: "active", value: .bool(true))))
    }

    func testInjectionCharactersStayInsideTheValue() throws {
        for v in ["*", ")(uid=*", "a\\00b", "Jürgen", "x)(|(objectClass=*"] {
            let json = v.replacingOccurrences(of: "\\", with: "\\\\")
            XCTAssertEqual(try SCIMFilter.parse("userName eq \"\(json)\""), .eq(attribute: "userName", value: .string(v)))
        }
    }

    func testUnsupportedAndMalformedFiltersAreInvalidFilter() {
        for bad in [#"userName co "a""#, #"userName sw "a""#, "userName pr", "alice", #""alice""#, #"userName eq "a"#,
                    #"not (userName eq "a")"#, #"userName eq "a" xor userName eq "b""#, #"(userName eq "a""#, "", "userName eq"] {
            XCTAssertThrowsError(try SCIMFilter.parse(bad), bad) { e in
                XCTAssertEqual((e as? SCIMError)?.scimType, "invalidFilter", bad)
                XCTAssertEqual((e as? SCIMError)?.status, 400)
                XCTAssertFalse((e as? SCIMError)?.detail.isEmpty ?? true)
            }
        }
    }

    func testDeepNestingIsBounded() {
        let deep = String(repeating: "(", count: 100) + #"userName eq "a""# + String(repeating: ")", count: 100)
        XCTAssertThrowsError(try SCIMFilter.parse(deep))
    }
}
