import FoundationEssentials
import JSONText

/// A SCIM error response (RFC 7644 §3.12). `detail` is shown to Okta's admin under Tasks, so it
/// says what went wrong and what to do; it never contains a password or a raw directory message.
public struct SCIMError: Error, Sendable, Equatable, CustomStringConvertible {
    package var status: Int
    package var scimType: String?
    package var detail: String
    /// For 429/503: seconds Okta should wait before retrying.
    package var retryAfter: Int?
    /// For 405: the methods the endpoint takes.
    package var allow: String?
    /// For 401: the schemes pwsync accepts.
    package var wwwAuthenticate: String?
    /// Close the connection after this answer (refused credentials, oversized bodies): nothing
    /// more is read from a client that is not going to be served.
    package var closeConnection = false

    package init(status: Int, scimType: String? = nil, detail: String, retryAfter: Int? = nil, allow: String? = nil) {
        self.status = status
        self.scimType = scimType
        self.detail = detail
        self.retryAfter = retryAfter
        self.allow = allow
    }

    public var description: String { "\(status)\(scimType.map { " \($0)" } ?? ""): \(detail)" }

    package static func invalidSyntax(_ detail: String) -> SCIMError { .init(status: 400, scimType: "invalidSyntax", detail: detail) }
    package static func invalidValue(_ detail: String) -> SCIMError { .init(status: 400, scimType: "invalidValue", detail: detail) }
    package static func invalidFilter(_ detail: String) -> SCIMError { .init(status: 400, scimType: "invalidFilter", detail: detail) }
    package static func notFound(_ detail: String) -> SCIMError { .init(status: 404, detail: detail) }
    package static let unauthorized = SCIMError(status: 401, detail: "Authentication failed: send a credential configured in pwsync (Authorization: Bearer <token>, or Basic when configured).")
    package static func uniqueness(_ detail: String) -> SCIMError { .init(status: 409, scimType: "uniqueness", detail: detail) }
    package static func mutability(_ detail: String) -> SCIMError { .init(status: 400, scimType: "mutability", detail: detail) }

    /// The body in the dialect of the requesting client.
    package func body(_ version: SCIMVersion) -> Data {
        let object: [String: Any]
        switch version {
        case .v2:
            var o: [String: Any] = ["schemas": [SCIMSchema.error], "status": String(status), "detail": detail]
            if let scimType { o["scimType"] = scimType }
            object = o
        case .v1:
            // Okta's 1.1 SPEC test reads a top-level `detail` (a required step) besides the 1.1 array.
            object = ["Errors": [["description": detail, "code": status]], "detail": detail, "status": String(status)]
        }
        return JSON.encode(object)
    }
}

public enum SCIMVersion: String, Sendable {
    case v1, v2

    /// What we answer with: RFC 7644 for 2.0, plain JSON for 1.1 (what Okta's 1.1 client expects).
    package var contentType: String {
        switch self {
        case .v2: return "application/scim+json; charset=utf-8"
        case .v1: return "application/json; charset=utf-8"
        }
    }
}

package enum SCIMSchema {
    package static let user = "urn:ietf:params:scim:schemas:core:2.0:User"
    package static let listResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    package static let patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    package static let error = "urn:ietf:params:scim:api:messages:2.0:Error"
    package static let userV1 = "urn:scim:schemas:core:1.0"
    package static let listResponseV1 = "urn:scim:schemas:core:1.0:ListResponse"
    package static let group = "urn:ietf:params:scim:schemas:core:2.0:Group"
}

enum JSON {
    /// Sorted members, `/` unescaped; written without `JSONSerialization` (see `JSONWriter`).
    static func encode(_ object: Any) -> Data {
        Data(JSONWriter.encode(object))
    }
}
