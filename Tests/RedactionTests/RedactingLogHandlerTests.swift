import Foundation
import Logging
@testable import Redaction
import XCTest

final class RedactingLogHandlerTests: XCTestCase {
    /// Captures what reaches the underlying handler.
    final class Capture: LogHandler, @unchecked Sendable {
        var lines: [String] = []
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let md = (event.metadata ?? [:]).merging(metadata) { a, _ in a }
            lines.append("\(event.message) \(md.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }

    func testSecretsNeverReachTheHandlerAtAnyLevel() {
        let capture = Capture()
        var logger = Logger(label: "t") { _ in RedactingLogHandler(wrapping: capture) }
        logger.logLevel = .trace
        let canary = "Canary-\(UUID().uuidString)"
        logger[metadataKey: "token"] = "\(canary)"
        for level in [Logger.Level.trace, .debug, .info, .error] {
            logger.log(level: level, "request Authorization: Bearer \(canary)")
            logger.log(level: level, #"body {"Operations":[{"op":"replace","value":{"password":"\#(canary)"}}]}"#)
            logger.log(level: level, #"body {"op":"replace","path":"password","value":"\#(canary)\"x"}"#)
            logger.log(level: level, "form password=\(canary)&user=alice")
            logger.log(level: level, "plain", metadata: ["authorization": "Basic \(canary)", "password": "\(canary)", "user": "alice"])
        }
        XCTAssertEqual(capture.lines.count, 20)
        for line in capture.lines { XCTAssertFalse(line.contains(canary), line) }
        XCTAssertTrue(capture.lines.contains { $0.contains("user=alice") }, "ordinary metadata is kept")
        XCTAssertTrue(capture.lines.allSatisfy { $0.contains(RedactingLogHandler.placeholder) })
    }

    /// Each form the scanner knows, with the text around the secret kept.
    func testEachFormIsScrubbedAndTheRestKept() {
        let p = RedactingLogHandler.placeholder
        let cases: [(String, String)] = [
            (#"{"Authorization": "Bearer S3cr3t", "x": 1}"#, #"{"Authorization": "\#(p)", "x": 1}"#),
            ("AUTHORIZATION=Basic abc\nnext", "AUTHORIZATION=\(p)\nnext"),
            (#"{"Password" : 12345, "user":"a"}"#, #"{"Password" : \#(p), "user":"a"}"#),
            (#"{"value":["a","b"],"op":"add"}"#, #"{"value":\#(p),"op":"add"}"#),
            (#"{"token":"ab\"c","k":"v"}"#, #"{"token":\#(p),"k":"v"}"#),
            (#"{"secret":"unterminated"#, #"{"secret":\#(p)"#),
            ("GET /x?passwd=hunter2&user=a token=t1 end", "GET /x?passwd=\(p)&user=a token=\(p) end"),
        ]
        for (input, expected) in cases { XCTAssertEqual(RedactingLogHandler.scrub(input), expected) }
    }

    func testSensitiveKeysMatchAnyCaseAnywhere() {
        for k in ["Authorization", "x-PASSWORD-hint", "bind_passwd", "ClientSecret", "refresh_token", "Set-Cookie", "body", "UnicodePwd", "value"] {
            XCTAssertTrue(RedactingLogHandler.isSensitive(k), k)
        }
        for k in ["request_id", "user", "client", "hb.request.id", "", "tok"] { XCTAssertFalse(RedactingLogHandler.isSensitive(k), k) }
    }

    func testOrdinaryTextIsUntouched() {
        XCTAssertEqual(RedactingLogHandler.scrub("password set for alice"), "password set for alice")
        XCTAssertEqual(RedactingLogHandler.scrub("pwsync listening"), "pwsync listening")
    }
}
