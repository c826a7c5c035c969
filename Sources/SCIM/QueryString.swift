/// Decodes a URL query string with HTML form rules: `+` is a space, then `%XX` is a byte.
/// Okta has been seen sending both `userName%20eq%20…` and `userName+eq+…`.
public enum QueryString {
    /// Parameters by name; a repeated name keeps its first value. Invalid escapes are an error.
    public static func parse(_ query: Substring) throws(SCIMError) -> [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            if out[name] == nil { out[name] = value }
        }
        return out
    }

    package static func decode(_ s: Substring) throws(SCIMError) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            switch c {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let h = it.popFirst(), let l = it.popFirst(), let hv = hex(h), let lv = hex(l) else {
                    throw .invalidSyntax("The query string has a malformed %-escape.")
                }
                bytes.append(hv << 4 | lv)
            default: bytes.append(c)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidSyntax("The query string is not valid UTF-8 once decoded.")
        }
        return text
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
