/// RFC 4517 GeneralizedTime as directories write it (`20261130144500Z`, AD's `20261130144500.0Z`),
/// turned into RFC 3339 UTC for SCIM's `meta.created` / `meta.lastModified`.
public enum GeneralizedTime {
    /// nil for anything but a UTC time with at least seconds.
    public static func rfc3339(_ text: String) -> String? {
        let u = Array(text.utf8)
        guard u.count >= 15, u.last == UInt8(ascii: "Z"), u[0..<14].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let tail = u[14..<(u.count - 1)]
        guard tail.isEmpty || (tail.first == UInt8(ascii: ".") || tail.first == UInt8(ascii: ",")) && tail.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        func s(_ r: Range<Int>) -> String { String(decoding: u[r], as: UTF8.self) }
        return "\(s(0..<4))-\(s(4..<6))-\(s(6..<8))T\(s(8..<10)):\(s(10..<12)):\(s(12..<14))Z"
    }
}
