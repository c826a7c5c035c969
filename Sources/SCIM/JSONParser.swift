/// A strict RFC 8259 parser from bytes to `JSONValue`, in one pass that also refuses an attribute
/// name given twice in one object, compared as SCIM compares them (case-insensitive, escapes
/// decoded): `{"password":"a","PASSWORD":"b"}` must not let a parser's choice decide which
/// password is written.
///
/// Every push body goes through here; `JSONDecoder` into an enum cost a twelfth of pwsync's CPU.
struct JSONParser {
    enum Failure: Error {
        case syntax
        case duplicate(String)
    }

    /// Deeper documents are refused: SCIM bodies are a few levels deep.
    static let maxDepth = 64

    private let b: [UInt8]
    private var i = 0
    private var depth = 0

    init(_ bytes: [UInt8]) { b = bytes }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var p = JSONParser(bytes)
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.b.count else { throw .syntax }
        return v
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
    }

    private mutating func value() throws(Failure) -> JSONValue {
        guard i < b.count else { throw .syntax }
        switch b[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): if literal("true") { return .bool(true) }
        case UInt8(ascii: "f"): if literal("false") { return .bool(false) }
        case UInt8(ascii: "n"): if literal("null") { return .null }
        default: return .number(try number())
        }
        throw .syntax
    }

    private mutating func object() throws(Failure) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw .syntax }
        defer { depth -= 1 }
        i += 1
        var members: [String: JSONValue] = [:]
        var seen = Set<String>()
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw .syntax }
            let name = try string()
            guard seen.insert(name.lowercased()).inserted else { throw .duplicate(name) }
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw .syntax }
            i += 1
            skipSpace()
            members[name] = try value()
            skipSpace()
            guard i < b.count else { throw .syntax }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            guard b[i] == UInt8(ascii: ",") else { throw .syntax }
            i += 1
            skipSpace()
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw .syntax }
        defer { depth -= 1 }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            items.append(try value())
            skipSpace()
            guard i < b.count else { throw .syntax }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            guard b[i] == UInt8(ascii: ",") else { throw .syntax }
            i += 1
            skipSpace()
        }
    }

    /// A string at `i` (its opening quote): escapes decoded, raw control characters and invalid
    /// UTF-8 refused, `\u` surrogates only in pairs.
    private mutating func string() throws(Failure) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") {
            guard b[i] >= 0x20 else { throw .syntax }
            i += 1
        }
        guard i < b.count else { throw .syntax }
        var out = Array(b[start..<i])
        while b[i] != UInt8(ascii: "\"") {
            let c = b[i]
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { throw .syntax }
                let e = b[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800...0xDBFF).contains(v) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { throw .syntax }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .syntax }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(v) {
                        throw .syntax
                    }
                    guard let scalar = Unicode.Scalar(v) else { throw .syntax }
                    out += Array(String(Character(scalar)).utf8)
                default: throw .syntax
                }
            } else {
                guard c >= 0x20 else { throw .syntax }
                out.append(c)
                i += 1
            }
            guard i < b.count else { throw .syntax }
        }
        i += 1
        guard let s = String(validating: out, as: UTF8.self) else { throw .syntax }
        return s
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= b.count else { throw .syntax }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = b[i + k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw .syntax
            }
            v = v << 4 | UInt32(d)
        }
        i += 4
        return v
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite.
    private mutating func number() throws(Failure) -> Double {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.b.count, p.b[p.i] >= 0x30, p.b[p.i] <= 0x39 { p.i += 1 }
            return p.i - s
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { throw .syntax }
        if b[i] == 0x30 { i += 1 } else { _ = digits(&self) }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw .syntax }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw .syntax }
        }
        guard let d = Double(String(decoding: b[start..<i], as: UTF8.self)), d.isFinite else { throw .syntax }
        return d
    }
}
