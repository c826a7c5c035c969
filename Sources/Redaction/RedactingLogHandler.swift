import Foundation
import Logging

/// Wraps a log handler so no secret reaches the journal, at any level (debug included): metadata
/// under a sensitive key is replaced, and message text is scrubbed of `Authorization` header
/// values, JSON `password` members and PATCH `value`s, in case a message ever quotes a request.
public struct RedactingLogHandler: LogHandler {
    public static let placeholder = "<redacted>"
    /// Metadata keys (case-insensitive substrings) whose values are never logged.
    static let sensitiveKeys = ["authorization", "password", "passwd", "secret", "token", "cookie", "body", "value", "unicodepwd"]

    var inner: any LogHandler

    public init(wrapping inner: any LogHandler) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = Self.redact(newValue) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map { Self.isSensitive(key) ? .string(Self.placeholder) : $0 } }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: Self.scrub(event.message.description))
        event.metadata = event.metadata.map(Self.redact)
        inner.log(event: event)
    }

    static func isSensitive(_ key: String) -> Bool {
        let k = key.lowercased()
        return sensitiveKeys.contains { k.contains($0) }
    }

    public static func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var out = metadata
        for (k, v) in metadata {
            if isSensitive(k) { out[k] = .string(placeholder) } else if case .string(let s) = v { out[k] = .string(scrub(s)) }
        }
        return out
    }

    static let patterns: [NSRegularExpression] = [
        // Authorization: Bearer xyz / Basic xyz / bare token, to the end of the line.
        #"(?i)(authorization"?\s*[:=]\s*"?)[^\r\n"]*"#,
        // "password": "…" / "value": "…" (JSON, escaped quotes included) and value objects.
        #"(?i)("(?:password|value|unicodePwd|token|secret)"\s*:\s*)"(?:[^"\\]|\\.)*""#,
        #"(?i)("(?:password|value)"\s*:\s*)(\{[^}]*\}|\[[^\]]*\]|[^,}\s]+)"#,
        // password=… in form or query syntax.
        #"(?i)((?:password|passwd|token)=)[^&\s]*"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    public static func scrub(_ text: String) -> String {
        guard text.range(of: #"(?i)authorization|password|passwd|value|unicodepwd|token|secret"#, options: .regularExpression) != nil else { return text }
        var s = text
        for p in patterns {
            s = p.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "$1" + placeholder)
        }
        return s
    }
}
