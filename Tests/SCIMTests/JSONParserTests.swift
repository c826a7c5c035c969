import Foundation
@testable import SCIM
import XCTest

final class JSONParserTests: XCTestCase {
    func parse(_ s: String) -> JSONValue? { try? JSONParser.parse(Array(s.utf8)) }

    func testValidDocuments() {
        XCTAssertEqual(parse(#" {"a": [1, -2.5e3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"], "b": {}} "#),
                       .object(["a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("x\"\\/\u{8}\u{c}\n\r\té😀")]),
                                "b": .object([:])]))
        XCTAssertEqual(parse("0"), .number(0))
        XCTAssertEqual(parse("\"ålice\""), .string("ålice"))
        XCTAssertEqual(parse("[]"), .array([]))
    }

    func testInvalidDocuments() {
        for s in ["", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"a",
                  "\"\u{1}\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "1e400", "[1] x", "NaN", "'a'",
                  "[" + String(repeating: "[", count: 70) + String(repeating: "]", count: 71), "/* */ 1", "{\"a\":1}{}"] {
            XCTAssertNil(parse(s), s)
        }
        XCTAssertNil(try? JSONParser.parse([0x22, 0xff, 0x22]), "invalid UTF-8")
    }

    func testDuplicateNamesAreRefusedCaseInsensitively() {
        for s in [#"{"password":"a","PASSWORD":"b"}"#, #"{"x":{"a":1,"\u0041":2}}"#, #"[{"v":1,"v":2}]"#] {
            XCTAssertThrowsError(try JSONParser.parse(Array(s.utf8)), s) { error in
                guard case .duplicate = error as? JSONParser.Failure else { return XCTFail("\(error)") }
            }
        }
        XCTAssertNotNil(parse(#"[{"a":1},{"a":2}]"#), "the same name in two objects is fine")
    }

    /// Reads every document the way Foundation's `JSONDecoder` does, on every fuzz seed and random
    /// mutations of them. The reverse does not hold: `JSONDecoder` also accepts text RFC 8259 does
    /// not (a trailing comma, `1 1` read as 11, garbage after a top-level number), which is refused here.
    func testAgreesWithJSONDecoder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/Corpus").standardized
        var inputs: [[UInt8]] = []
        for dir in ["FuzzSCIMBody", "FuzzPatch"] {
            let d = root.appendingPathComponent(dir)
            for f in try FileManager.default.contentsOfDirectory(atPath: d.path) {
                inputs.append(Array(try Data(contentsOf: d.appendingPathComponent(f))))
            }
        }
        XCTAssertGreaterThan(inputs.count, 100)
        var rng = SystemRandomNumberGenerator()
        for seed in inputs where !seed.isEmpty {
            for _ in 0..<5 {
                var m = seed
                m[Int.random(in: 0..<m.count, using: &rng)] = [UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "\\"), 0x20, 0x01, UInt8(ascii: "1")].randomElement(using: &rng)!
                inputs.append(m)
            }
        }
        var compared = 0
        for input in inputs {
            let ours = Result { try JSONParser.parse(input) }
            if case .failure(JSONParser.Failure.duplicate) = ours { continue }
            let theirs = try? JSONDecoder().decode(JSONValue.self, from: Data(input))
            guard case .success(let v) = ours else { continue }
            XCTAssertEqual(v, theirs, String(decoding: input, as: UTF8.self))
            compared += 1
        }
        XCTAssertGreaterThan(compared, 100)
        for lenient in [#"{"a":1,}"#, "1 1"] {
            XCTAssertNil(parse(lenient), lenient)
        }
    }
}
