/// The PROXY protocol header (HAProxy's spec, versions 1 and 2) that a balancer sends before
/// anything else on a connection, naming the client it accepted. Parsing only: whether the sender
/// is trusted is the caller's business.
package enum ProxyHeader {
    package enum Parsed: Equatable, Sendable {
        /// Not enough bytes yet to tell.
        case needMore
        /// The connection does not start with a PROXY header.
        case absent
        /// A header of `length` bytes; `source` is the client's address (nil for LOCAL, UNKNOWN or a
        /// family other than TCP over IPv4/IPv6: the connection is the proxy's own).
        case header(source: String?, length: Int)
        case invalid(String)
    }

    static let v1Prefix = Array("PROXY ".utf8)
    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// The longest version 1 header, CRLF included.
    static let v1MaxLength = 107

    package static func parse<C: Collection<UInt8>>(_ input: C) -> Parsed {
        let bytes = Array(input.prefix(16 + 216))
        if startsLike(bytes, v2Signature) {
            return bytes.count < 16 ? .needMore : parseV2(bytes, available: input.count)
        }
        if startsLike(bytes, v1Prefix) {
            return bytes.count < v1Prefix.count ? .needMore : parseV1(Array(bytes.prefix(v1MaxLength)))
        }
        return .absent
    }

    /// `bytes` is `prefix`, or begins with it, or is shorter and agrees with it so far.
    static func startsLike(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        zip(bytes, prefix).allSatisfy { $0 == $1 }
    }

    static func parseV1(_ bytes: [UInt8]) -> Parsed {
        guard let cr = bytes.firstIndex(of: 0x0D) else {
            return bytes.count >= v1MaxLength ? .invalid("PROXY v1 header longer than 107 bytes") : .needMore
        }
        guard cr + 1 < bytes.count else { return .needMore }
        guard bytes[cr + 1] == 0x0A else { return .invalid("PROXY v1 header without CRLF") }
        let fields = bytes[..<cr].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let length = cr + 2
        guard fields.count >= 2 else { return .invalid("PROXY v1 header without a protocol") }
        switch fields[1] {
        case "UNKNOWN":
            return .header(source: nil, length: length)
        case "TCP4", "TCP6":
            guard fields.count == 6 else { return .invalid("PROXY v1 header with \(fields.count) fields, not 6") }
            let source = fields[2], want = fields[1] == "TCP4" ? 4 : 16
            guard let bytes = ClientAllowlist.bytes(source), bytes.count == want, ClientAllowlist.bytes(fields[3])?.count == want,
                  UInt16(fields[4]) != nil, UInt16(fields[5]) != nil else {
                return .invalid("PROXY v1 header with a malformed address or port")
            }
            return .header(source: source, length: length)
        default:
            return .invalid("PROXY v1 header with unknown protocol \(fields[1].prefix(8))")
        }
    }

    static func parseV2(_ bytes: [UInt8], available: Int) -> Parsed {
        let versionCommand = bytes[12], family = bytes[13]
        guard versionCommand >> 4 == 2 else { return .invalid("PROXY v2 header with version \(versionCommand >> 4)") }
        let length = 16 + (Int(bytes[14]) << 8 | Int(bytes[15]))
        guard available >= length, bytes.count >= min(length, 16 + 36) else { return .needMore }
        switch versionCommand & 0x0F {
        case 0x0:  // LOCAL: the proxy's own connection (a health check)
            return .header(source: nil, length: length)
        case 0x1:
            switch family {
            case 0x11:
                guard length >= 16 + 12 else { return .invalid("PROXY v2 header too short for IPv4 addresses") }
                return .header(source: bytes[16..<20].map(String.init).joined(separator: "."), length: length)
            case 0x21:
                guard length >= 16 + 36 else { return .invalid("PROXY v2 header too short for IPv6 addresses") }
                return .header(source: ipv6(Array(bytes[16..<32])), length: length)
            default:
                return .header(source: nil, length: length)
            }
        default:
            return .invalid("PROXY v2 header with command \(versionCommand & 0x0F)")
        }
    }

    /// Eight groups of hex, zeros compressed as `inet_ntop` does.
    static func ipv6(_ b: [UInt8]) -> String {
        let groups = (0..<8).map { Int(b[2 * $0]) << 8 | Int(b[2 * $0 + 1]) }
        var best = (start: -1, count: 0), run = (start: -1, count: 0)
        for (i, g) in groups.enumerated() {
            if g == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.count + 1)
                if run.count > best.count { best = run }
            } else {
                run = (-1, 0)
            }
        }
        func hex(_ r: Range<Int>) -> String { groups[r].map { String($0, radix: 16) }.joined(separator: ":") }
        guard best.count >= 2 else { return hex(0..<8) }
        return hex(0..<best.start) + "::" + hex((best.start + best.count)..<8)
    }
}
