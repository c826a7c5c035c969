import Directory
import LDAP
import LDAPSyntax

extension LDAPDirectory: GroupDirectory {
    package var groupBase: String { configuration.groups?.base ?? "" }

    /// The configured kind's group dialect; nil when groups are off.
    var groupDialect: (any GroupDialect)? {
        guard let settings = configuration.groups else { return nil }
        switch configuration.kind {
        case .openLDAP: return OpenLDAPGroups(objectClass: settings.openLDAPClass)
        case .activeDirectory: return nil
        }
    }

    func requireGroups() throws(DirectoryFailure) -> (any GroupDialect, String) {
        guard let dialect = groupDialect, let base = configuration.groups?.base else {
            throw DirectoryFailure(.directoryError, "pwsync manages no groups in this directory ([groups] is off, or not yet supported here).")
        }
        return (dialect, base)
    }

    package func groups(named name: String?, withMembers: Bool) async throws(DirectoryFailure) -> [DirectoryGroup] {
        let (g, base) = try requireGroups()
        let filter = LDAPFilter.and([g.objectFilter] + (name.map { [.equals("cn", $0)] } ?? []))
        let attrs = g.attributes + (withMembers ? [g.memberAttribute] : [])
        let entries = try await run { c in try await c.search(base: base, scope: .subtree, filter: filter, attributes: attrs) }
        return entries.compactMap { g.group(from: $0, withMembers: withMembers) }.sorted { $0.dn.lowercased() < $1.dn.lowercased() }
    }

    package func group(id: String, withMembers: Bool) async throws(DirectoryFailure) -> DirectoryGroup? {
        let (g, base) = try requireGroups()
        guard let idFilter = dialect.idFilter(id) else { return nil }
        let filter = LDAPFilter.and([g.objectFilter, idFilter])
        let attrs = g.attributes + (withMembers ? [g.memberAttribute] : [])
        let entries = try await run { c in try await c.search(base: base, scope: .subtree, filter: filter, attributes: attrs, sizeLimit: 2) }
        guard entries.count <= 1 else { throw DirectoryFailure(.ambiguousUser, "More than one group has this id.") }
        return entries.first.flatMap { g.group(from: $0, withMembers: withMembers) }
    }

    package func createGroup(named name: String) async throws(DirectoryFailure) -> DirectoryGroup {
        let (g, base) = try requireGroups()
        guard try await groups(named: name, withMembers: false).isEmpty else {
            throw DirectoryFailure(.alreadyExists, "A group named '\(name)' already exists under \(base).")
        }
        let (dn, attributes) = g.addRequest(named: name, base: base)
        try await run(.group) { c in try await c.add(dn: dn, attributes) }
        return try await groupEntry(dn: dn, g)
    }

    package func renameGroup(_ group: DirectoryGroup, to name: String) async throws(DirectoryFailure) -> DirectoryGroup {
        let (g, base) = try requireGroups()
        if name == group.name { return group }
        if name.lowercased() != group.name.lowercased(), try await !groups(named: name, withMembers: false).isEmpty {
            throw DirectoryFailure(.alreadyExists, "A group named '\(name)' already exists under \(base).")
        }
        let (rdn, modifications) = g.renameRequest(to: name)
        let dn = group.dn
        try await run(.group) { c in try await c.rename(dn: dn, newRDN: rdn) }
        // Found again by its id: the new DN is the directory's to say (an escaped comma in a name
        // is not where a DN splits).
        guard var renamed = try await self.group(id: group.id, withMembers: true) else {
            throw DirectoryFailure(.directoryError, "The group renamed from \(dn) could not be read back.")
        }
        if !modifications.isEmpty {
            let newDN = renamed.dn
            try await run(.group) { c in try await c.modify(dn: newDN, modifications) }
            renamed = try await groupEntry(dn: newDN, g)
        }
        return renamed
    }

    package func deleteGroup(_ group: DirectoryGroup) async throws(DirectoryFailure) {
        _ = try requireGroups()
        let dn = group.dn
        try await run(.group) { c in try await c.delete(dn: dn) }
    }

    package func apply(_ plan: MembershipPlan, to group: DirectoryGroup) async throws(DirectoryFailure) {
        let (g, _) = try requireGroups()
        guard !plan.isEmpty else { return }
        let current = group.members ?? []
        let remaining = Set(current.map { $0.lowercased() }).subtracting(plan.remove.map { $0.lowercased() })
        var mods: [LDAPModification] = []
        if !plan.remove.isEmpty { mods.append(LDAPModification(.delete, g.memberAttribute, plan.remove.map { .string($0) })) }
        if !plan.add.isEmpty { mods.append(LDAPModification(.add, g.memberAttribute, plan.add.map { .string($0) })) }
        if let placeholder = g.placeholder(for: group.dn) {
            let emptyAfter = remaining.isEmpty && plan.add.isEmpty
            let emptyBefore = current.isEmpty
            // The one modify keeps the required attribute: the placeholder comes in as the last
            // member leaves, and goes as the first member arrives.
            if emptyAfter && !emptyBefore { mods.insert(LDAPModification(.add, g.memberAttribute, [.string(placeholder)]), at: 0) }
            if emptyBefore && !plan.add.isEmpty { mods.append(LDAPModification(.delete, g.memberAttribute, [.string(placeholder)])) }
        }
        let dn = group.dn
        let changes = mods
        try await run(.group) { c in try await c.modify(dn: dn, changes) }
    }

    func groupEntry(dn: String, _ g: any GroupDialect) async throws(DirectoryFailure) -> DirectoryGroup {
        let attrs = g.attributes + [g.memberAttribute]
        let entries = try await run { c in try await c.search(base: dn, scope: .base, filter: g.objectFilter, attributes: attrs) }
        guard let group = entries.first.flatMap({ g.group(from: $0, withMembers: true) }) else {
            throw DirectoryFailure(.directoryError, "The group at \(dn) could not be read back.")
        }
        return group
    }
}
