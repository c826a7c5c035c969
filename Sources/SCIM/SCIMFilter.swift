/// The part of the RFC 7644 §3.4.2.2 filter grammar pwsync answers: `eq` on an attribute, joined by
/// `and` / `or`, with parentheses. Anything else is a clear `invalidFilter`, never a partial match.
public indirect enum SCIMFilter: Sendable, Equatable {
    case eq(attribute: String, value: Value)
    case and(SCIMFilter, SCIMFilter)
    case or(SCIMFilter, SCIMFilter)

    public enum Value: Sendable, Equatable {
        case string(String)
        case bool(Bool)
        case number(String)
        case null
    }

    package static let maxLength = 4096

    public static func parse(_ text: String) throws(SCIMError) -> SCIMFilter {
        guard text.utf8.count <= maxLength else { throw .invalidFilter("The filter is longer than \(maxLength) bytes.") }
        var p = Parser(Array(text.unicodeScalars))
        let f = try p.parseOr(depth: 0)
        p.skipSpace()
        guard p.atEnd else { throw .invalidFilter("Unexpected text after the end of the filter (pwsync supports: attribute eq \"value\", joined by and/or).") }
        return f
    }

    private struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        init(_ s: [Unicode.Scalar]) { self.s = s }
        var atEnd: Bool { i >= s.count }

        mutating func skipSpace() { while i < s.count, s[i] == " " { i += 1 } }

        mutating func word() -> String {
            skipSpace()
            var w = ""
            while i < s.count, s[i] != " ", s[i] != "(", s[i] != ")", s[i] != "\"" { w.unicodeScalars.append(s[i]); i += 1 }
            return w
        }

        mutating func peekWord() -> String {
            let save = i
            defer { i = save }
            return word()
        }

        mutating func parseOr(depth: Int) throws(SCIMError) -> SCIMFilter {
            var lhs = try parseAnd(depth: depth)
            while peekWord().lowercased() == "or" {
                _ = word()
                lhs = .or(lhs, try parseAnd(depth: depth))
            }
            return lhs
        }

        mutating func parseAnd(depth: Int) throws(SCIMError) -> SCIMFilter {
            var lhs = try parseAtom(depth: depth)
            while peekWord().lowercased() == "and" {
                _ = word()
                lhs = .and(lhs, try parseAtom(depth: depth))
            }
            return lhs
        }

        mutating func parseAtom(depth: Int) throws(SCIMError) -> SCIMFilter {
            guard depth < 16 else { throw .invalidFilter("The filter nests too deeply.") }
            skipSpace()
            if i < s.count, s[i] == "(" {
                i += 1
                let inner = try parseOr(depth: depth + 1)
                skipSpace()
                guard i < s.count, s[i] == ")" else { throw .invalidFilter("A '(' in the filter is not closed.") }
                i += 1
                return inner
            }
            let attr = word()
            guard !attr.isEmpty else { throw .invalidFilter("The filter is empty or starts with an unexpected character; expected: attribute eq \"value\".") }
            guard attr.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "._:-$".unicodeScalars.contains($0) }) else {
                throw .invalidFilter("'\(attr)' is not an attribute name.")
            }
            if attr.lowercased() == "not" { throw .invalidFilter("'not' filters are not supported; pwsync supports eq, and, or.") }
            let op = word().lowercased()
            guard !op.isEmpty else { throw .invalidFilter("The filter '\(attr)' has no operator; expected: \(attr) eq \"value\".") }
            guard op == "eq" else {
                throw .invalidFilter("The filter operator '\(op)' is not supported; pwsync supports eq, and, or.")
            }
            return .eq(attribute: attr, value: try value())
        }

        mutating func value() throws(SCIMError) -> Value {
            skipSpace()
            guard i < s.count else { throw .invalidFilter("The filter has no value after 'eq'.") }
            if s[i] == "\"" {
                i += 1
                var out = ""
                while i < s.count {
                    let c = s[i]
                    i += 1
                    if c == "\"" { return .string(out) }
                    if c == "\\" {
                        guard i < s.count else { break }
                        let e = s[i]
                        i += 1
                        switch e {
                        case "\"", "\\", "/": out.unicodeScalars.append(e)
                        case "n": out.append("\n")
                        case "t": out.append("\t")
                        case "u":
                            guard i + 4 <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + 4])), radix: 16),
                                  let scalar = Unicode.Scalar(v) else { throw .invalidFilter("The filter has a malformed \\u escape.") }
                            out.unicodeScalars.append(scalar)
                            i += 4
                        default: throw .invalidFilter("The filter has an unknown escape '\\\(e)'.")
                        }
                    } else {
                        out.unicodeScalars.append(c)
                    }
                }
                throw .invalidFilter("A string in the filter is not closed with '\"'.")
            }
            let w = word()
            switch w.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                if !w.isEmpty, Double(w) != nil { return .number(w) }
                throw .invalidFilter("The filter value '\(w)' must be a quoted string, true, false, null or a number.")
            }
        }
    }
}
