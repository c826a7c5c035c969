import CLDAP
import LDAPSyntax

/// A failed LDAP operation: result code plus what is safe to say about it.
///
/// `diagnostic` is the server's raw text. It is kept for mapping (AD puts a Win32 code in front)
/// but never printed by `description`: it goes to no log and no HTTP response.
package struct LDAPError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// The server or libldap returned this result code (negative = client side).
        case result(LDAPResultCode)
        /// pwsync refused to send because neither TLS nor GSSAPI sealing is in place on this connection.
        case insecureConnection
        /// A caller error we caught before calling libldap.
        case invalidArgument(String)
    }

    package let kind: Kind
    package let operation: String
    package let diagnostic: String?
    /// ppolicy response control error (OpenLDAP draft-behera), when the server sent one.
    package let passwordPolicyError: PasswordPolicyError?
    /// True when repeating the operation on a new connection cannot apply it twice: it is a read, or
    /// it failed before the request left this process. A write that failed while awaiting its result
    /// may have been applied, and re-sending a password would then hit the directory's history.
    package let safeToRetry: Bool
    /// A write was sent and no answer came (timeout, or the connection was lost while waiting):
    /// the directory may or may not have applied it.
    package let outcomeUnknown: Bool
    /// The server it came from (URL), when known: set by whoever picked the server.
    package var server: String?
    /// The write that timed out, kept on its connection so its late answer can still be read.
    package var unanswered: UnansweredRequest?

    package init(kind: Kind, operation: String, diagnostic: String? = nil, passwordPolicyError: PasswordPolicyError? = nil,
                safeToRetry: Bool = false, outcomeUnknown: Bool = false, unanswered: UnansweredRequest? = nil) {
        self.kind = kind
        self.operation = operation
        self.diagnostic = diagnostic
        self.passwordPolicyError = passwordPolicyError
        self.safeToRetry = safeToRetry
        self.outcomeUnknown = outcomeUnknown
        self.unanswered = unanswered
    }

    package var resultCode: LDAPResultCode? {
        if case .result(let c) = kind { return c }
        return nil
    }

    /// AD and Samba start the diagnostic with an 8-hex-digit Win32 code and a colon: `0000052D: …`.
    package var win32Code: UInt32? {
        guard let d = diagnostic?.utf8, d.count >= 9 else { return nil }
        let bytes = Array(d.prefix(9))
        guard bytes[8] == UInt8(ascii: ":") else { return nil }
        let isHex: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
        guard bytes[0..<8].allSatisfy(isHex) else { return nil }
        return UInt32(String(decoding: bytes[0..<8], as: UTF8.self), radix: 16)
    }

    /// Worth a retry later (`LDAPResultCode.isTransient`).
    package var isTransient: Bool { resultCode?.isTransient ?? false }

    package var resultName: String {
        guard let c = resultCode else { return "" }
        return String(cString: ldap_err2string(c.rawValue))
    }

    package var description: String {
        switch kind {
        case .insecureConnection:
            return "LDAP \(operation) refused by pwsync: the connection is neither TLS nor sealed by GSSAPI (use ldaps://, StartTLS, or a Kerberos bind with channel = \"sealed\")"
        case .invalidArgument(let why):
            return "LDAP \(operation): \(why)"
        case .result(let c):
            var s = "LDAP \(operation) failed: \(resultName) (rc \(c))"
            if let w = win32Code { s += ", directory code \(String(w, radix: 16, uppercase: true))" }
            if let p = passwordPolicyError { s += ", ppolicy error \(p.rawValue)" }
            return s
        }
    }
}

/// A request that got no answer within the operation timeout. Its connection sends nothing more,
/// but is not closed, so the directory's late answer can still be read (`LDAPConnection.lateResult`).
package struct UnansweredRequest: Sendable {
    package let connection: LDAPConnection
    package let messageID: Int32
    package let operation: String
}

/// What became of an unanswered request when it was looked at again.
package enum LateResult: Sendable {
    /// Still no answer.
    case waiting
    /// The directory answered success.
    case succeeded
    /// The directory answered with this failure.
    case failed(LDAPError)
    /// The connection is gone: no answer can come on it.
    case connectionLost
}
