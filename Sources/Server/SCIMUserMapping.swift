import Audit
import Directory
import PasswordSync
import SCIM

/// Where SCIM's wire types meet pwsync's own: requests become domain values before a use-case
/// sees them, and the use-cases' answers become SCIM resources here, for both versions.
enum SCIMUserMapping {
    static func resource(_ u: DirectoryUser) -> UserResource {
        UserResource(id: u.id, userName: u.userName, active: u.active, givenName: u.givenName,
                     familyName: u.familyName, displayName: u.displayName, email: u.email, profile: u.profile,
                     created: u.created, lastModified: u.lastModified)
    }

    static func list(_ users: [DirectoryUser], _ page: Pagination) -> ListResponse<UserResource> {
        ListResponse(totalResults: users.count, startIndex: page.startIndex, resources: page.page(users).map(resource))
    }

    static func change(_ c: UserChange) -> AccountChange {
        AccountChange(password: c.password, active: c.active, form: form(c.form), profile: c.profile)
    }

    static func newAccount(_ doc: UserDocument) -> NewAccount {
        NewAccount(NewUser(userName: doc.userName, givenName: doc.givenName, familyName: doc.familyName,
                           displayName: doc.displayName, email: doc.email, active: doc.active ?? true),
                   placeholder: doc.password)
    }

    static func capabilities(_ c: SyncCapabilities, basicAuth: Bool) -> Discovery.Capabilities {
        Discovery.Capabilities(createUsers: c.createUsers, disableAccounts: c.disableAccounts,
                               profileAttributes: c.profileAttributes, basicAuth: basicAuth)
    }

    static func form(_ form: PushForm) -> AuditEvent.Form {
        switch form {
        case .patchValue: .patchValue
        case .patchPath: .patchPath
        case .put: .put
        case .patchResource: .patchResource
        case .postPlaceholder: .postPlaceholder
        }
    }

    /// A parsed SCIM filter as a directory query, or a 400 `invalidFilter` naming what is not supported.
    static func filter(_ f: SCIMFilter) throws(SCIMError) -> UserFilter {
        switch f {
        case .and(let a, let b): return .and([try filter(a), try filter(b)])
        case .or(let a, let b): return .or([try filter(a), try filter(b)])
        case .eq(let name, let value):
            guard let attr = attribute(name) else {
                throw .invalidFilter("Filtering on '\(name)' is not supported; pwsync can filter on \(filterable).")
            }
            guard case .string(let s) = value else {
                throw .invalidFilter("'\(name)' must be compared with a quoted string.")
            }
            return .equals(attr, s)
        }
    }

    static let filterable = UserAttribute.filterable.map(\.scimName).joined(separator: ", ")

    /// Attribute names are case-insensitive (RFC 7644 §3.4.2.2) and may carry the core schema URN.
    static func attribute(_ name: String) -> UserAttribute? {
        var n = name.lowercased()
        let urn = SCIMSchema.user.lowercased() + ":"
        if n.hasPrefix(urn) { n.removeFirst(urn.count) }
        return UserAttribute(filterName: n)
    }
}
