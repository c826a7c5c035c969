import Foundation
import JSONText
import XCTest

final class JSONWriterTests: XCTestCase {
    /// Whatever the text, the output parses back to it (quotes, backslashes, every control
    /// character, non-ASCII), and `/` stays unescaped.
    func testStringsRoundTrip() throws {
        var samples = ["", "plain", "a/b", "quote \" and \\ backslash", "ålice 🙂 日本", "\u{7f}\u{2028}"]
        samples.append(String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self))
        for _ in 0..<200 {
            samples.append(String((0..<Int.random(in: 0..<40)).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0...127))) }))
        }
        for s in samples {
            var w = JSONWriter()
            w.string(s)
            XCTAssertEqual(try JSONDecoder().decode(String.self, from: Data(w.bytes)), s)
        }
        var w = JSONWriter()
        w.string("a/b\n")
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), #""a/b\n""#)
    }

    func testTreesAreSortedAndTyped() throws {
        let tree: [String: Any] = ["b": [1, true, "x", ["z": -7, "a": Int64.min]], "a": false, "c": 2.5, "d": 3.0]
        let text = String(decoding: JSONWriter.encode(tree), as: UTF8.self)
        XCTAssertEqual(text, #"{"a":false,"b":[1,true,"x",{"a":-9223372036854775808,"z":-7}],"c":2.5,"d":3}"#)
        let back = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(back["a"] as? Bool, false)
    }
}
