#if canImport(Glibc)
import Glibc
#endif

/// `[server] allow`: the client networks that may connect at all (e.g. Okta's published egress
/// ranges). Parsed once; matching is a byte comparison per network.
package struct ClientAllowlist: Sendable, Equatable {
    package struct Network: Sendable, Equatable, CustomStringConvertible {
        let address: [UInt8]
        let prefix: Int
        package let description: String

        /// `192.0.2.0/24`, `2001:db8::/32`, or a single address.
        package init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let bytes = ClientAllowlist.bytes(String(parts[0])) else { return nil }
            let maxPrefix = bytes.count * 8
            if parts.count == 2 {
                guard let p = Int(parts[1]), (0...maxPrefix).contains(p) else { return nil }
                prefix = p
            } else {
                prefix = maxPrefix
            }
            address = bytes
            description = text
        }

        func contains(_ ip: [UInt8]) -> Bool {
            guard ip.count == address.count else { return false }
            var bits = prefix
            for (a, b) in zip(address, ip) {
                if bits <= 0 { return true }
                let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    package let networks: [Network]

    package init(_ networks: [Network]) { self.networks = networks }

    /// Everyone may connect when no network is listed.
    package func allows(_ ip: String?) -> Bool {
        guard !networks.isEmpty else { return true }
        guard let ip, var bytes = Self.bytes(ip) else { return false }
        // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { bytes = Array(bytes[12...]) }
        return networks.contains { $0.contains(bytes) }
    }

    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
