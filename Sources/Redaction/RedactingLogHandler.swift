import Logging

/// Wraps a log handler so no secret reaches the journal, at any level (debug included): metadata
/// under a sensitive key is replaced, and message text is scrubbed of `Authorization` header
/// values, JSON `password` members and PATCH `value`s, in case a message ever quotes a request.
package struct RedactingLogHandler: LogHandler {
    package static let placeholder = "<redacted>"
    /// Metadata keys (case-insensitive substrings) whose values are never logged.
    static let sensitiveKeys = ["authorization", "password", "passwd", "secret", "token", "cookie", "body", "value", "unicodepwd"]

    var inner: any LogHandler

    package init(wrapping inner: any LogHandler) { self.inner = inner }

    package var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    package var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = Self.redact(newValue) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map { Self.isSensitive(key) ? .string(Self.placeholder) : $0 } }
    }

    package func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: Self.scrub(event.message.description))
        event.metadata = event.metadata.map(Self.redact)
        inner.log(event: event)
    }

    /// Runs for every metadata key set on every request's logger: ASCII case-insensitive
    /// substring search over UTF-8, no lower-cased copy.
    static func isSensitive(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { k in sensitiveKeyBytes.contains { word in contains(k, word) } }
    }

    static let sensitiveKeyBytes = sensitiveKeys.map { Array($0.utf8) }

    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        guard haystack.count >= word.count else { return false }
        return (0...(haystack.count - word.count)).contains { Scrubber.matches(haystack, word, at: $0) }
    }

    package static func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var out = metadata
        for (k, v) in metadata {
            if isSensitive(k) { out[k] = .string(placeholder) } else if case .string(let s) = v { out[k] = .string(scrub(s)) }
        }
        return out
    }

    /// Scrubs, in one pass and without regular expressions (this runs on every log line):
    /// - `Authorization: …` / `authorization=…` / `"Authorization": "…"`: to the end of the line or quote;
    /// - JSON members `"password"`, `"value"`, `"unicodePwd"`, `"token"`, `"secret"` with a string
    ///   value (escaped quotes included), and `"password"` / `"value"` with an object, array or bare value;
    /// - `password=…`, `passwd=…`, `token=…` in form or query syntax, to `&` or a space.
    package static func scrub(_ text: String) -> String {
        var scrubber = Scrubber(Array(text.utf8))
        return scrubber.run() ?? text
    }
}

/// The scanner behind `RedactingLogHandler.scrub`: ASCII case-insensitive matching over UTF-8.
struct Scrubber {
    let s: [UInt8]
    var out: [UInt8] = []
    /// Bytes of `s` before this index are already handled (copied or replaced).
    var copied = 0
    var changed = false

    init(_ s: [UInt8]) { self.s = s }

    static let placeholder = Array(RedactingLogHandler.placeholder.utf8)
    static let authorization = Array("authorization".utf8)
    static let jsonKeys: [(name: [UInt8], anyValue: Bool)] = [
        (Array("\"password\"".utf8), true), (Array("\"value\"".utf8), true), (Array("\"unicodepwd\"".utf8), false),
        (Array("\"token\"".utf8), false), (Array("\"secret\"".utf8), false),
    ]
    static let formKeys = ["password=", "passwd=", "token="].map { Array($0.utf8) }

    /// `word` (lower-case ASCII) at `i` in `s`, ignoring ASCII case.
    static func matches<C: RandomAccessCollection<UInt8>>(_ s: C, _ word: [UInt8], at i: Int) -> Bool where C.Index == Int {
        guard i + word.count <= s.count else { return false }
        for k in 0..<word.count {
            let b = s[s.startIndex + i + k]
            if (b >= 0x41 && b <= 0x5a ? b | 0x20 : b) != word[k] { return false }
        }
        return true
    }

    func matches(_ word: [UInt8], at i: Int) -> Bool { Self.matches(s, word, at: i) }

    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d }

    func skipSpaces(_ i: Int) -> Int {
        var j = i
        while j < s.count, isSpace(s[j]) { j += 1 }
        return j
    }

    /// Keeps `s[copied..<keepUntil]`, replaces `s[keepUntil..<skipTo]` with the placeholder.
    mutating func redact(keepUntil: Int, skipTo: Int) {
        out += s[copied..<keepUntil]
        out += Self.placeholder
        copied = skipTo
        changed = true
    }

    /// The scrubbed text, or nil when nothing needed scrubbing.
    mutating func run() -> String? {
        var i = 0
        while i < s.count {
            if let next = authorizationValue(at: i) ?? jsonMember(at: i) ?? formValue(at: i) {
                i = next
            } else {
                i += 1
            }
        }
        guard changed else { return nil }
        out += s[copied...]
        return String(decoding: out, as: UTF8.self)
    }

    mutating func authorizationValue(at i: Int) -> Int? {
        guard matches(Self.authorization, at: i) else { return nil }
        var j = i + Self.authorization.count
        if j < s.count, s[j] == 0x22 { j += 1 }
        j = skipSpaces(j)
        guard j < s.count, s[j] == UInt8(ascii: ":") || s[j] == UInt8(ascii: "=") else { return nil }
        j = skipSpaces(j + 1)
        if j < s.count, s[j] == 0x22 { j += 1 }
        var end = j
        while end < s.count, s[end] != 0x0a, s[end] != 0x0d, s[end] != 0x22 { end += 1 }
        redact(keepUntil: j, skipTo: end)
        return end
    }

    mutating func jsonMember(at i: Int) -> Int? {
        guard s[i] == 0x22, let key = Self.jsonKeys.first(where: { matches($0.name, at: i) }) else { return nil }
        var j = skipSpaces(i + key.name.count)
        guard j < s.count, s[j] == UInt8(ascii: ":") else { return nil }
        j = skipSpaces(j + 1)
        guard j < s.count else { return nil }
        var end: Int
        switch s[j] {
        case 0x22:
            end = j + 1
            while end < s.count, s[end] != 0x22 { end += s[end] == 0x5c ? 2 : 1 }
            guard end < s.count else {
                // An unterminated string: everything after the quote goes.
                redact(keepUntil: j, skipTo: s.count)
                return s.count
            }
            end += 1
        case UInt8(ascii: "{") where key.anyValue, UInt8(ascii: "[") where key.anyValue:
            let close = s[j] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            end = j
            while end < s.count, s[end] != close { end += 1 }
            end = min(s.count, end + 1)
        default:
            guard key.anyValue else { return nil }
            end = j
            while end < s.count, s[end] != UInt8(ascii: ","), s[end] != UInt8(ascii: "}"), !isSpace(s[end]) { end += 1 }
            guard end > j else { return nil }
        }
        redact(keepUntil: j, skipTo: end)
        return end
    }

    mutating func formValue(at i: Int) -> Int? {
        guard let key = Self.formKeys.first(where: { matches($0, at: i) }) else { return nil }
        let j = i + key.count
        var end = j
        while end < s.count, s[end] != UInt8(ascii: "&"), !isSpace(s[end]) { end += 1 }
        redact(keepUntil: j, skipTo: end)
        return end
    }
}
