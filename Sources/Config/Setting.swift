/// One numeric key of the config with its default and the values it may take, declared once by
/// the section that owns it; the validator reads, checks and reports it from here.
package struct Setting<Value: Comparable & Sendable>: Sendable {
    /// The key as written in the file, `section.key`.
    package let key: String
    package let defaultValue: Value
    package let range: ClosedRange<Value>

    package init(_ key: String, default defaultValue: Value, _ range: ClosedRange<Value>) {
        self.key = key
        self.defaultValue = defaultValue
        self.range = range
    }
}

extension Setting where Value == Double {
    /// `1...60` says "between 1 and 60 seconds", `0.5...30` "between 0.5 and 30 seconds".
    var rangeText: String { "between \(Self.text(range.lowerBound)) and \(Self.text(range.upperBound)) seconds" }

    static func text(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}
