/// One change to a group's member list, its members already resolved to DNs.
package enum MembershipChange: Sendable, Equatable {
    case add([String])
    case remove([String])
    /// The whole list: whoever is not in it leaves.
    case replace([String])
}

/// How changes to a group's members are written: value-level adds and deletes of DNs, computed
/// against the members read in the same step, never a replace of the whole attribute from a read
/// (which would undo what another admin did in between). Re-adding a member, or removing one who
/// is not there, writes nothing: Okta resends.
package struct MembershipPlan: Sendable, Equatable {
    package var add: [String]
    package var remove: [String]

    package init(add: [String] = [], remove: [String] = []) {
        self.add = add
        self.remove = remove
    }

    package var isEmpty: Bool { add.isEmpty && remove.isEmpty }

    /// The changes, in order, applied to `current`: what to add and what to delete. DNs compare
    /// case-insensitively; each keeps the spelling it was given.
    package init(current: [String], _ changes: [MembershipChange]) {
        func key(_ dn: String) -> String { dn.lowercased() }
        var members: [String: String] = [:]
        var order: [String] = []
        func insert(_ dn: String) {
            if members.updateValue(dn, forKey: key(dn)) == nil { order.append(key(dn)) }
        }
        for dn in current { insert(dn) }
        let before = Set(members.keys)
        for change in changes {
            switch change {
            case .add(let dns): dns.forEach(insert)
            case .remove(let dns): for dn in dns { members[key(dn)] = nil }
            case .replace(let dns):
                members = [:]
                dns.forEach(insert)
            }
        }
        add = order.filter { !before.contains($0) }.compactMap { members[$0] }
        var seen = Set<String>()
        remove = current.filter { members[key($0)] == nil && seen.insert(key($0)).inserted }
    }

    /// The plan in pieces of at most `size` values each, so a large push is written in bounded
    /// modifies (each audited on its own): deletes first, then adds.
    package func batches(of size: Int) -> [MembershipPlan] {
        precondition(size > 0)
        var out: [MembershipPlan] = []
        for start in stride(from: 0, to: remove.count, by: size) {
            out.append(MembershipPlan(remove: Array(remove[start..<min(remove.count, start + size)])))
        }
        for start in stride(from: 0, to: add.count, by: size) {
            out.append(MembershipPlan(add: Array(add[start..<min(add.count, start + size)])))
        }
        return out
    }
}
