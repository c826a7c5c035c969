import Directory
import LDAP
import LDAPSyntax

/// What differs between directories for groups: which entries are groups, which attribute holds
/// members, how a group is made and renamed.
protocol GroupDialect: Sendable {
    var objectFilter: LDAPFilter { get }
    var memberAttribute: String { get }
    /// What a read of a group asks for, besides its members.
    var attributes: [String] { get }
    /// The group an entry holds; its members only `withMembers` (the entry was read with them).
    func group(from e: LDAPEntry, withMembers: Bool) -> DirectoryGroup?
    func addRequest(named name: String, base: String) -> (dn: String, attributes: [LDAPModification])
    /// The new RDN of a group given `name`, and what else changes with it.
    func renameRequest(to name: String) -> (rdn: String, modifications: [LDAPModification])
    /// A class whose member attribute is required keeps one value in an empty group: this one.
    func placeholder(for groupDN: String) -> String?
}

extension GroupDialect {
    /// The member DNs of an entry, without the placeholder.
    func members(of e: LDAPEntry) -> [String] {
        let own = placeholder(for: e.dn)?.lowercased()
        return e.values(memberAttribute).map { String(decoding: $0, as: UTF8.self) }.filter { $0.lowercased() != own }
    }
}

/// `groupOfNames` (or `groupOfUniqueNames`) named by `cn`, id `entryUUID`. Both classes require a
/// member: an empty group holds the empty DN (RFC 4514 allows it; it names no entry, so no rename
/// or delete elsewhere makes it stale), which pwsync never shows and removes with the first real
/// member.
struct OpenLDAPGroups: GroupDialect {
    let objectClass: GroupSettings.OpenLDAPClass

    var objectFilter: LDAPFilter { .equals("objectClass", objectClass.rawValue) }
    var memberAttribute: String {
        switch objectClass {
        case .groupOfNames: "member"
        case .groupOfUniqueNames: "uniqueMember"
        }
    }
    var attributes: [String] { ["cn", "entryUUID", "createTimestamp", "modifyTimestamp"] }

    func group(from e: LDAPEntry, withMembers: Bool) -> DirectoryGroup? {
        guard let id = e.string("entryUUID")?.lowercased(), let name = e.string("cn") else { return nil }
        var g = DirectoryGroup(id: id, dn: e.dn, name: name)
        g.created = e.string("createTimestamp").flatMap(GeneralizedTime.rfc3339)
        g.lastModified = e.string("modifyTimestamp").flatMap(GeneralizedTime.rfc3339)
        if withMembers { g.members = members(of: e) }
        return g
    }

    func addRequest(named name: String, base: String) -> (dn: String, attributes: [LDAPModification]) {
        let dn = "cn=\(LDAPDN.escapeValue(name)),\(base)"
        return (dn, [LDAPModification(.add, "objectClass", [.string("top"), .string(objectClass.rawValue)]),
                     LDAPModification(.add, "cn", [.string(name)]),
                     LDAPModification(.add, memberAttribute, [.string("")])])
    }

    func renameRequest(to name: String) -> (rdn: String, modifications: [LDAPModification]) {
        ("cn=\(LDAPDN.escapeValue(name))", [])
    }

    func placeholder(for groupDN: String) -> String? { "" }
}
