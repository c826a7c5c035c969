import Secrets

/// What a SCIM write asks of pwsync: the password, the account state, and profile values (written
/// only where the admin mapped them to directory attributes).
public struct UserChange: Sendable {
    package var password: Secret?
    package var active: Bool?
    package var form: PushForm
    /// Profile values by canonical path (`ProfilePath`); nil = cleared.
    public var profile: [String: String?]

    package init(password: Secret? = nil, active: Bool? = nil, form: PushForm, profile: [String: String?] = [:]) {
        self.password = password
        self.active = active
        self.form = form
        self.profile = profile
    }
}

/// How the password arrived: recorded in the audit log so a reviewer can tell the request forms apart.
package enum PushForm: String, Sendable, Codable {
    case patchValue = "patch_value"
    case patchPath = "patch_path"
    case put
    /// SCIM 1.1 PATCH: the partial resource itself.
    case patchResource = "patch_resource"
    case postPlaceholder = "post_placeholder"
}
