/// A group pwsync manages: one under `[groups] base`. Holds its members as DNs.
package struct DirectoryGroup: Sendable, Equatable {
    /// Stable SCIM id: AD `objectGUID` or OpenLDAP `entryUUID`, as a lower-case UUID string.
    package var id: String
    package var dn: String
    /// Its name, as Okta's `displayName` (the `cn`).
    package var name: String
    /// Member DNs, without the placeholder a class with a mandatory member keeps; nil when the
    /// members were not read.
    package var members: [String]?
    package var created: String?
    package var lastModified: String?

    package init(id: String, dn: String, name: String, members: [String]? = nil, created: String? = nil, lastModified: String? = nil) {
        self.id = id
        self.dn = dn
        self.name = name
        self.members = members
        self.created = created
        self.lastModified = lastModified
    }
}

/// Where groups live and what new ones are.
package struct GroupSettings: Sendable, Equatable {
    /// OpenLDAP's group classes whose members are DNs.
    package enum OpenLDAPClass: String, Sendable, CaseIterable {
        /// `member`, which the class requires: an empty group keeps its own DN as its one member.
        case groupOfNames
        /// `uniqueMember`, also required: the same placeholder.
        case groupOfUniqueNames
    }

    /// The subtree pwsync manages; a group outside it is not found.
    package var base: String
    package var openLDAPClass: OpenLDAPClass

    package init(base: String, openLDAPClass: OpenLDAPClass = .groupOfNames) {
        self.base = base
        self.openLDAPClass = openLDAPClass
    }
}

/// The group operations of a directory (Okta's Group Push and import).
package protocol GroupDirectory: Sendable {
    var groupBase: String { get }
    /// Groups under the base, all or the one(s) with this name (case-insensitive), in DN order.
    func groups(named name: String?, withMembers: Bool) async throws(DirectoryFailure) -> [DirectoryGroup]
    /// The group with this SCIM id under the base, or nil.
    func group(id: String, withMembers: Bool) async throws(DirectoryFailure) -> DirectoryGroup?
    /// A new, empty group; a group with this name under the base is `alreadyExists`.
    func createGroup(named name: String) async throws(DirectoryFailure) -> DirectoryGroup
    /// A new name (a ModifyDN). Returns the group as it now is.
    func renameGroup(_ group: DirectoryGroup, to name: String) async throws(DirectoryFailure) -> DirectoryGroup
    func deleteGroup(_ group: DirectoryGroup) async throws(DirectoryFailure)
    /// Value-level adds and deletes of member DNs in one modify, against `group.members` as read
    /// in the same step.
    func apply(_ plan: MembershipPlan, to group: DirectoryGroup) async throws(DirectoryFailure)
}
