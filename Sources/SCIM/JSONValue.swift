import FoundationEssentials

/// A parsed JSON document (`JSONParser`). `true` and `1` stay apart (Foundation's
/// `JSONSerialization` does not on Linux), so `"active": 1` is an error rather than a deactivation.
package enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    package static func parse(_ data: Data) throws(SCIMError) -> JSONValue {
        do {
            return try JSONParser.parse(Array(data))
        } catch .duplicate(let name) {
            throw .invalidSyntax("The attribute \"\(name)\" appears twice in one object (SCIM attribute names are case-insensitive); send each attribute once.")
        } catch {
            throw .invalidSyntax("The request body is not valid JSON.")
        }
    }

    package var string: String? { if case .string(let s) = self { return s } else { return nil } }
    package var object: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    package var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    package subscript(key: String) -> JSONValue? { object?[key] }
}
