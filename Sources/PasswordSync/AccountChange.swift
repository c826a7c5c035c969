import Audit
import Directory
import Secrets

/// What one push asks of an account, in pwsync's own terms; the Server builds it from a SCIM
/// PATCH or PUT, in either SCIM version.
package struct AccountChange: Sendable {
    package var password: Secret?
    package var active: Bool?
    /// How the password arrived, for the audit log.
    package var form: AuditEvent.Form
    /// Profile values by canonical SCIM path (`ProfilePath.canonical`); nil clears one.
    package var profile: [String: String?]

    package init(password: Secret? = nil, active: Bool? = nil, form: AuditEvent.Form = .patchValue, profile: [String: String?] = [:]) {
        self.password = password
        self.active = active
        self.form = form
        self.profile = profile
    }
}

/// An account Okta asks pwsync to create, with Okta's placeholder password when it sent one.
package struct NewAccount: Sendable {
    package var user: NewUser
    package var placeholder: Secret?

    package init(_ user: NewUser, placeholder: Secret? = nil) {
        self.user = user
        self.placeholder = placeholder
    }
}

/// What this configuration lets pwsync do, for the discovery endpoints.
package struct SyncCapabilities: Sendable, Equatable {
    package var createUsers: Bool
    package var disableAccounts: Bool
    /// The canonical SCIM paths of the mapped profile attributes.
    package var profileAttributes: Set<String>
}
