import Secrets

/// AD's `objectGUID` is 16 bytes whose first three fields are little-endian; the canonical string
/// (as `Get-ADUser` prints it) swaps them. OpenLDAP's `entryUUID` is already the canonical string.
package enum ObjectGUID {
    package static func string(fromBytes b: [UInt8]) -> String? {
        guard b.count == 16 else { return nil }
        let ordered = [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]] + b[8..<16]
        return uuidString(ordered)
    }

    /// Bytes in AD order for a canonical GUID string; nil when `s` is not a UUID.
    package static func bytes(fromString s: String) -> [UInt8]? {
        guard let canonical = parseUUID(s) else { return nil }
        let c = canonical
        return [c[3], c[2], c[1], c[0], c[5], c[4], c[7], c[6]] + c[8..<16]
    }

    /// Accepts exactly `8-4-4-4-12` hex digits; returns the 16 bytes in string order.
    package static func parseUUID(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count == 36, u[8] == 0x2d, u[13] == 0x2d, u[18] == 0x2d, u[23] == 0x2d else { return nil }
        var out: [UInt8] = []
        var hi: UInt8?
        for (i, c) in u.enumerated() where ![8, 13, 18, 23].contains(i) {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            default: return nil
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }

    package static func uuidString(_ b: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, x) in b.enumerated() {
            if [4, 6, 8, 10].contains(i) { out.append(0x2d) }
            Hex.append(x, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
