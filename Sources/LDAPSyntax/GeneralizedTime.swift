/// RFC 4517 GeneralizedTime as directories write it (`20261130144500Z`, AD's `20261130144500.0Z`),
/// turned into RFC 3339 UTC for SCIM's `meta.created` / `meta.lastModified`.
package enum GeneralizedTime {
    /// nil for anything but a UTC time with at least seconds.
    package static func rfc3339(_ text: String) -> String? {
        let u = Array(text.utf8)
        guard u.count >= 15, u.last == UInt8(ascii: "Z"), u[0..<14].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let tail = u[14..<(u.count - 1)]
        guard tail.isEmpty || (tail.first == UInt8(ascii: ".") || tail.first == UInt8(ascii: ",")) && tail.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        func s(_ r: Range<Int>) -> String { String(decoding: u[r], as: UTF8.self) }
        return "\(s(0..<4))-\(s(4..<6))-\(s(6..<8))T\(s(8..<10)):\(s(10..<12)):\(s(12..<14))Z"
    }

    /// Seconds since 1970 (UTC) of a GeneralizedTime, fractions dropped; nil as for `rfc3339`.
    package static func epochSeconds(_ text: String) -> Int64? {
        guard rfc3339(text) != nil else { return nil }
        let u = Array(text.utf8)
        func n(_ r: Range<Int>) -> Int64 { u[r].reduce(0) { $0 * 10 + Int64($1 - 0x30) } }
        let (y, m, d) = (n(0..<4), n(4..<6), n(6..<8))
        guard (1...12).contains(m), (1...31).contains(d) else { return nil }
        // Days from civil (proleptic Gregorian), after H. Hinnant's algorithm.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + n(8..<10) * 3600 + n(10..<12) * 60 + n(12..<14)
    }
}
