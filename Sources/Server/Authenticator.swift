import Secrets

/// Checks the `Authorization` header against the configured token hashes.
///
/// Accepts `Bearer <token>` (any case of the scheme word) and the bare `<token>` Okta sends for a
/// "Header" auth app. Every configured credential is checked, whatever matched first, so timing
/// does not reveal which one (or whether any) matched.
public struct Authenticator: Sendable {
    public struct Credential: Sendable {
        public let name: String
        public let hash: TokenHash
        public init(name: String, hash: TokenHash) {
            self.name = name
            self.hash = hash
        }
    }

    public let credentials: [Credential]

    public init(credentials: [Credential]) {
        self.credentials = credentials
    }

    /// The principal name, or nil when the header is missing or matches no credential.
    public func authenticate(authorization: String?) -> String? {
        guard let header = authorization else { return nil }
        let token = Self.token(from: header)
        guard !token.isEmpty else { return nil }
        var matched: String?
        for c in credentials where c.hash.matches(token) {
            if matched == nil { matched = c.name }
        }
        return matched
    }

    static func token(from header: String) -> Secret {
        var h = Substring(header)
        while h.first == " " { h.removeFirst() }
        while h.last == " " { h.removeLast() }
        if h.count > 7, h.prefix(7).lowercased() == "bearer " {
            h = h.dropFirst(7)
            while h.first == " " { h.removeFirst() }
        } else if h.contains(" ") {
            return Secret(bytes: [])  // another scheme (e.g. Basic): not a bearer token
        }
        return Secret(String(h))
    }
}
