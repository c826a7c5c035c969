/// The machine account a domain-joined host's keytab holds: `SHORTNAME$@REALM`.
package enum MachinePrincipal {
    /// `HOST$` for a host name (`web1.example.com` → `WEB1$`). AD caps NetBIOS names at 15 characters,
    /// and the joining tools cut the account name the same way.
    package static func accountName(forHost host: String) -> String {
        let short = host.split(separator: ".", maxSplits: 1).first.map(String.init) ?? host
        return String(short.uppercased().prefix(15)) + "$"
    }

    /// The keytab principal that is this host's machine account, compared without case (AD names are
    /// case-insensitive; keytabs carry `HOST$` and sometimes `host$`). Nil when there is none.
    package static func pick(from principals: [String], host: String) -> String? {
        let account = accountName(forHost: host).lowercased()
        return principals.first { p in
            let name = p.split(separator: "@", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            return name == account
        }
    }
}
