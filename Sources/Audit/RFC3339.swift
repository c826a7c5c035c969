import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// UTC RFC 3339 with milliseconds: `2026-11-29T05:22:53.123Z`.
package enum RFC3339 {
    package static func string(_ date: Date) -> String {
        let totalMs = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var secs = time_t(totalMs / 1000)
        let ms = Int(totalMs % 1000)
        var tm = tm()
        gmtime_r(&secs, &tm)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func digits(_ v: Int, _ width: Int, then separator: UInt8?) {
            var d = [UInt8](repeating: 0x30, count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) { d[i] = UInt8(0x30 + x % 10); x /= 10 }
            out += d
            if let separator { out.append(separator) }
        }
        digits(Int(tm.tm_year) + 1900, 4, then: UInt8(ascii: "-"))
        digits(Int(tm.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
        digits(Int(tm.tm_mday), 2, then: UInt8(ascii: "T"))
        digits(Int(tm.tm_hour), 2, then: UInt8(ascii: ":"))
        digits(Int(tm.tm_min), 2, then: UInt8(ascii: ":"))
        digits(Int(tm.tm_sec), 2, then: UInt8(ascii: "."))
        digits(ms, 3, then: UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `2026-11-29T05:22:53.123Z`, `2026-11-29T05:22:53Z`, a numeric offset instead of `Z`
    /// (`+02:00`), or a bare date `2026-11-29` (UTC midnight).
    package static func parse(_ s: String) -> Date? {
        let b = Array(s.utf8)
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var v = 0
            for k in i..<i + width {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            i += width
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
              let day = number(2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, fraction = 0.0, offset = 0
        if i < b.count {
            guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: "t")), let h = number(2), expect(UInt8(ascii: ":")),
                  let m = number(2), expect(UInt8(ascii: ":")), let sec = number(2), h < 24, m < 60, sec < 61 else { return nil }
            (hour, minute, second) = (h, m, sec)
            if expect(UInt8(ascii: ".")) {
                var scale = 0.1
                let start = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { fraction += Double(b[i] - 0x30) * scale; scale /= 10; i += 1 }
                guard i > start else { return nil }
            }
            if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
            } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = number(2), expect(UInt8(ascii: ":")), let om = number(2), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
            guard i == b.count else { return nil }
        }
        var t = tm()
        t.tm_year = Int32(year - 1900)
        t.tm_mon = Int32(month - 1)
        t.tm_mday = Int32(day)
        t.tm_hour = Int32(hour)
        t.tm_min = Int32(minute)
        t.tm_sec = Int32(second)
        let secs = timegm(&t)
        // timegm normalises 31 February into March: such a date is refused.
        guard t.tm_mday == Int32(day), t.tm_mon == Int32(month - 1) else { return nil }
        return Date(timeIntervalSince1970: Double(secs - offset) + fraction)
    }
}
