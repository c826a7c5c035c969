import FoundationEssentials
import Secrets
import PlainText

/// Checks the `Authorization` header against the configured credentials.
///
/// Accepts `Bearer <token>` (any case of the scheme word), the bare `<token>` Okta sends for a
/// "Header" auth app, and `Basic base64(user:password)`. Secrets are compared as salted hashes in
/// constant time, and every configured credential is checked whatever matched first, so timing
/// does not reveal which one (or whether any) matched.
package struct Authenticator: Sendable {
    package struct Credential: Sendable {
        /// Recorded in the audit log as the principal.
        package let name: String
        /// Set for HTTP Basic credentials; nil for bearer tokens.
        package let username: String?
        package let hash: TokenHash
        package init(name: String, username: String? = nil, hash: TokenHash) {
            self.name = name
            self.username = username
            self.hash = hash
        }
    }

    package let credentials: [Credential]
    package var acceptsBasic: Bool { credentials.contains { $0.username != nil } }

    package init(credentials: [Credential]) {
        self.credentials = credentials
    }

    /// The principal name, or nil when the header is missing or matches no credential.
    package func authenticate(authorization: String?) -> String? {
        guard let header = authorization else { return nil }
        var matched: String?
        switch Self.parse(header) {
        case .none:
            return nil
        case .bearer(let token):
            for c in credentials where c.username == nil {
                if c.hash.matches(token), matched == nil { matched = c.name }
            }
        case .basic(let user, let password):
            for c in credentials {
                guard let expected = c.username else { continue }
                let userOK = Secret(expected).constantTimeEquals(Secret(user))
                let passwordOK = c.hash.matches(password)
                if userOK && passwordOK && matched == nil { matched = c.name }
            }
        }
        return matched
    }

    enum Presented {
        case none
        case bearer(Secret)
        case basic(user: String, password: Secret)
    }

    static func parse(_ header: String) -> Presented {
        var h = Substring(header)
        while h.first == " " { h.removeFirst() }
        while h.last == " " { h.removeLast() }
        guard !h.isEmpty else { return .none }
        if h.count > 7, h.prefix(7).lowercased() == "bearer " {
            h = h.dropFirst(7)
            while h.first == " " { h.removeFirst() }
            return h.isEmpty ? .none : .bearer(Secret(String(h)))
        }
        if h.count > 6, h.prefix(6).lowercased() == "basic " {
            let encoded = h.dropFirst(6).trimmingBlanks()
            guard var decoded = Data(base64Encoded: encoded), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return .none }
            defer { decoded.resetBytes(in: 0..<decoded.count) }
            let user = String(decoding: decoded[decoded.startIndex..<colon], as: UTF8.self)
            let password = Secret(bytes: Array(decoded[decoded.index(after: colon)...]))
            return .basic(user: user, password: password)
        }
        if h.contains(" ") { return .none }  // another scheme: not a bare token
        return .bearer(Secret(String(h)))
    }
}
