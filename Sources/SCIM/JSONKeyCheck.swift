/// Finds an attribute name given twice in one JSON object, comparing as SCIM does (case-insensitive,
/// escapes decoded): `{"password":"a","PASSWORD":"b"}` must not let a parser's choice decide which
/// password is written. Scans the raw bytes once; malformed JSON is left to the decoder.
enum JSONKeyCheck {
    static func firstDuplicate(_ bytes: [UInt8]) -> String? {
        var objects: [Set<String>] = []   // one set of names per open object (nil entries for arrays)
        var kinds: [UInt8] = []           // '{' or '['
        var expectKey = false
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"):
                kinds.append(c); objects.append([]); expectKey = true
            case UInt8(ascii: "["):
                kinds.append(c); expectKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if kinds.popLast() == UInt8(ascii: "{") { _ = objects.popLast() }
                expectKey = false
            case UInt8(ascii: ","):
                expectKey = kinds.last == UInt8(ascii: "{")
            case UInt8(ascii: "\""):
                guard let (text, end) = string(bytes, from: i) else { return nil }
                if expectKey, !objects.isEmpty {
                    let name = text.lowercased()
                    if objects[objects.count - 1].contains(name) { return text }
                    objects[objects.count - 1].insert(name)
                    expectKey = false
                }
                i = end
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// The string starting at `start` (a quote), decoded, and the index of its closing quote.
    static func string(_ b: [UInt8], from start: Int) -> (String, Int)? {
        var out: [UInt8] = []
        var i = start + 1
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { return (String(decoding: out, as: UTF8.self), i) }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { return nil }
                let e = b[i + 1]
                switch e {
                case UInt8(ascii: "u"):
                    guard i + 5 < b.count, let v = UInt32(String(decoding: b[(i + 2)...(i + 5)], as: UTF8.self), radix: 16) else { return nil }
                    let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                    out += Array(String(Character(scalar)).utf8)
                    i += 6
                    continue
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                default: out.append(e)
                }
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return nil
    }
}
