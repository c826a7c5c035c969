/// `[server] trusted_proxies`: the balancers and reverse proxies whose word on the client's address
/// (PROXY protocol, `X-Forwarded-For`) pwsync takes. No one else's: a header a client writes
/// itself names whatever it likes.
package struct TrustedProxies: Sendable, Equatable {
    package let networks: [ClientAllowlist.Network]

    package init(_ networks: [ClientAllowlist.Network]) { self.networks = networks }

    /// True when `ip` is a listed proxy; nobody is trusted when none is listed.
    package func trusts(_ ip: String?) -> Bool {
        guard !networks.isEmpty, let ip else { return false }
        return ClientAllowlist(networks).allows(ip)
    }

    /// The client an `X-Forwarded-For` chain names, read from the right: each proxy appends the
    /// address it received from, so the rightmost hop that is not a trusted proxy is the client.
    /// nil when the chain holds something that is not an address (it cannot be relied on).
    package func client(forwardedFor values: [String]) -> String? {
        let hops = values.flatMap { $0.split(separator: ",") }.map(Self.trimmed)
        guard !hops.isEmpty else { return nil }
        var client: String?
        for hop in hops.reversed() {
            guard let address = Self.address(hop) else { return nil }
            client = address
            if !trusts(address) { break }
        }
        return client
    }

    static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }

    /// An address as it may appear in a hop: `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`, `[2001:db8::1]:443`.
    static func address(_ hop: Substring) -> String? {
        var text = hop
        if text.first == "[", let close = text.firstIndex(of: "]") {
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = text[..<colon]
        }
        let s = String(text)
        return ClientAllowlist.bytes(s) == nil ? nil : s
    }
}
