import Secrets

/// What a SCIM write asks of pwsync, reduced to what pwsync manages. Profile attributes other than
/// these are the directory's business and are not written.
public struct UserChange: Sendable {
    public var password: Secret?
    public var active: Bool?
    public var form: PushForm

    public init(password: Secret? = nil, active: Bool? = nil, form: PushForm) {
        self.password = password
        self.active = active
        self.form = form
    }
}

/// How the password arrived: recorded in the audit log so a reviewer can tell the request forms apart.
public enum PushForm: String, Sendable, Codable {
    case patchValue = "patch_value"
    case patchPath = "patch_path"
    case put
    /// SCIM 1.1 PATCH: the partial resource itself.
    case patchResource = "patch_resource"
    case postPlaceholder = "post_placeholder"
}
