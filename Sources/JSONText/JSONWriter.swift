/// JSON text appended straight to a byte buffer: no intermediate objects, no `JSONSerialization`.
///
/// Audit lines and SCIM response bodies are written on every push; this keeps their encoding a
/// single pass over the values. Strings are escaped as RFC 8259 requires (quote, backslash,
/// control characters); `/` is left alone.
package struct JSONWriter: Sendable {
    package var bytes: [UInt8]

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// `s` as a quoted JSON string.
    package mutating func string(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { utf8 in
            var run = 0
            for (i, b) in utf8.enumerated() {
                guard b < 0x20 || b == 0x22 || b == 0x5c else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                Self.escape(b, into: &bytes)
                run = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        bytes.append(0x22)
    }

    static func escape(_ b: UInt8, into out: inout [UInt8]) {
        out.append(0x5c)
        switch b {
        case 0x22: out.append(0x22)
        case 0x5c: out.append(0x5c)
        case 0x0a: out.append(UInt8(ascii: "n"))
        case 0x0d: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0c: out.append(UInt8(ascii: "f"))
        default:
            out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30])
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0f)])
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `"name":` — names are the program's own, so they are written as given (after escaping).
    package mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    package mutating func int<T: BinaryInteger>(_ v: T) {
        if v == 0 { bytes.append(0x30); return }
        var digits = [UInt8]()
        var x = v.magnitude
        while x > 0 { digits.append(UInt8(0x30 + Int(x % 10))); x /= 10 }
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        bytes.append(contentsOf: digits.reversed())
    }

    package mutating func bool(_ v: Bool) {
        bytes.append(contentsOf: v ? Self.trueText : Self.falseText)
    }

    package mutating func null() { bytes.append(contentsOf: Self.nullText) }

    /// Punctuation and other text the caller knows is valid JSON.
    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func raw(_ byte: UInt8) { bytes.append(byte) }

    static let trueText = Array("true".utf8), falseText = Array("false".utf8), nullText = Array("null".utf8)
}

extension JSONWriter {
    /// A tree of `[String: Any]`, `[Any]`, `String`, `Bool`, integers and `nil`/`Optional.none`
    /// (rendered `null`), with object members in sorted order so equal trees give equal bytes.
    /// Unsupported values are written as `null`.
    package mutating func value(_ v: Any) {
        switch v {
        case let s as String: string(s)
        case let b as Bool: bool(b)
        case let i as Int: int(i)
        case let i as Int64: int(i)
        case let i as UInt64: int(i)
        case let i as Int32: int(i)
        case let o as [String: Any]:
            raw(UInt8(ascii: "{"))
            var first = true
            for k in o.keys.sorted() {
                if !first { raw(UInt8(ascii: ",")) }
                first = false
                key(k)
                value(o[k]!)
            }
            raw(UInt8(ascii: "}"))
        case let a as [Any]:
            raw(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { raw(UInt8(ascii: ",")) }
                value(e)
            }
            raw(UInt8(ascii: "]"))
        case let d as Double where d.isFinite:
            if d == d.rounded(), abs(d) < 1e15 { int(Int64(d)) } else { bytes.append(contentsOf: Array("\(d)".utf8)) }
        default:
            null()
        }
    }

    /// `value(v)` as a fresh byte array.
    package static func encode(_ v: Any) -> [UInt8] {
        var w = JSONWriter()
        w.value(v)
        return w.bytes
    }
}
