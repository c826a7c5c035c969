import Directory

/// Whose directory password is Okta's and whose is pwsync's own random one.
package enum PasswordMode: String, Sendable, CaseIterable {
    /// Write the password Okta pushes.
    case sync
    /// Write a fresh random password instead; Okta's value is discarded unread.
    case random
}

/// A named set of accounts with a password mode: a subtree, a group's members, or a list of users.
package struct PasswordScope: Sendable, Equatable {
    package enum Members: Sendable, Equatable {
        /// Entries at or under this DN.
        case subtree(String)
        /// Members of the group at this DN (nested membership where the directory resolves it).
        case group(String)
        /// These userNames (or AD account names), compared case-insensitively.
        case users(Set<String>)
    }

    package var name: String
    package var mode: PasswordMode
    package var members: Members

    package init(name: String, mode: PasswordMode, members: Members) {
        self.name = name
        self.mode = mode
        self.members = members
        if case .users(let names) = members { self.members = .users(Set(names.map { $0.lowercased() })) }
    }

    /// Whether the entry at `dn` is at or under this scope's subtree (false for other kinds).
    package func contains(dn: String) -> Bool {
        if case .subtree(let base) = members { return DNPath.isWithin(dn, base) }
        return false
    }

    /// Higher wins: a list of named users, then a group, then the deepest subtree.
    var specificity: Int {
        switch members {
        case .users: return 1_000_000
        case .group: return 100_000
        case .subtree(let dn): return DNPath.components(dn).count
        }
    }
}

/// The scopes of a configuration, and the rule that picks one for an account.
package struct PasswordModes: Sendable, Equatable {
    package var scopes: [PasswordScope]

    package init(_ scopes: [PasswordScope] = []) { self.scopes = scopes }

    /// The most specific scope `user` belongs to (nil: none, so the default `sync`). Between two
    /// equally specific scopes with different modes, `random` wins: the safer way to be wrong.
    /// Group scopes are asked of the directory only when no more specific scope already matched.
    package func scope(for user: DirectoryUser,
                      isMember: (String) async throws(DirectoryFailure) -> Bool) async throws(DirectoryFailure) -> PasswordScope? {
        // Most specific first and, among equals, `random` first: the first match is the answer.
        let ordered = scopes.sorted { ($0.specificity, $0.mode == .random ? 1 : 0) > ($1.specificity, $1.mode == .random ? 1 : 0) }
        for scope in ordered {
            let matches: Bool
            switch scope.members {
            case .users(let names):
                matches = names.contains(user.userName.lowercased()) || user.accountName.map { names.contains($0.lowercased()) } == true
            case .subtree(let dn): matches = DNPath.isWithin(user.dn, dn)
            case .group(let dn): matches = try await isMember(dn)
            }
            if matches { return scope }
        }
        return nil
    }

    /// The names of scopes in `mode`, for start-up messages.
    package func names(in mode: PasswordMode) -> [String] { scopes.filter { $0.mode == mode }.map(\.name) }
}

/// DN comparison good enough for configured subtrees: RDNs compared case-insensitively, with the
/// blanks around separators ignored.
enum DNPath {
    static func components(_ dn: String) -> [String] {
        dn.split(separator: ",").map { rdn in
            rdn.split(separator: "=", maxSplits: 1).map { $0.trimmingBlanks().lowercased() }.joined(separator: "=")
        }
    }

    static func isWithin(_ dn: String, _ base: String) -> Bool {
        let entry = components(dn), root = components(base)
        return !root.isEmpty && entry.count >= root.count && Array(entry.suffix(root.count)) == root
    }
}

extension Substring {
    func trimmingBlanks() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
