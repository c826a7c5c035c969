/// Trimming and padding without full Foundation (`CharacterSet`, `padding(toLength:)`), which
/// would link ICU's data into the binary for the sake of a few header values and table columns.
extension StringProtocol {
    /// A path's folder: everything before its last "/" ("" for a bare file name), in place of
    /// NSString's `deletingLastPathComponent`.
    package var parentFolder: String {
        String(self[..<(lastIndex(of: "/") ?? startIndex)])
    }

    /// The text with spaces added at the end up to `width` characters (never cut).
    package func padded(to width: Int) -> String {
        count >= width ? String(self) : String(self) + String(repeating: " ", count: width - count)
    }

    /// The text without leading and trailing characters from `set`.
    package func trimming(_ set: String) -> String {
        trimming { set.contains($0) }
    }

    /// The text without leading and trailing spaces and tabs (HTTP's OWS, SCIM attribute names).
    package func trimmingBlanks() -> String {
        trimming { $0 == " " || $0 == "\t" }
    }

    /// The text without leading and trailing characters that match.
    package func trimming(while drop: (Character) -> Bool) -> String {
        var s = Substring(self)
        while let f = s.first, drop(f) { s.removeFirst() }
        while let l = s.last, drop(l) { s.removeLast() }
        return String(s)
    }
}
