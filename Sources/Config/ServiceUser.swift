#if canImport(Glibc)
import Glibc
#endif

/// The account `serve` runs as, and whether it can reach the files the config names. Run as
/// root, `check-config` would find every file readable; this asks the question for the user
/// that matters, from owners and mode bits (POSIX ACLs are not read).
package struct ServiceUser: Sendable {
    package enum Need: Sendable { case read, write }

    package let name: String
    package let uid: uid_t
    package let groups: Set<gid_t>
    /// Its primary group, the one the fixes hand files to (`pwsync` for the package's user).
    package let groupName: String

    package init(name: String, uid: uid_t, groups: Set<gid_t>, groupName: String) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.groupName = groupName
    }

    /// The user and all its groups; nil when there is no such user.
    package static func lookup(_ name: String) -> ServiceUser? {
        guard let pw = getpwnam(name) else { return nil }
        let uid = pw.pointee.pw_uid, primary = pw.pointee.pw_gid
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &list, &count) == -1 {
            list = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(name, primary, &list, &count)
        }
        let groupName = getgrgid(primary).map { String(cString: $0.pointee.gr_name) } ?? String(primary)
        return ServiceUser(name: name, uid: uid, groups: Set(list.prefix(Int(max(count, 0)))).union([primary]), groupName: groupName)
    }

    /// Whether the permission bits that apply to this user (owner, else group, else other) grant
    /// `bit` (4 read, 2 write, 1 execute / search).
    package func granted(_ bit: mode_t, mode: mode_t, owner: uid_t, group: gid_t) -> Bool {
        if uid == 0 { return true }
        let shift: mode_t = owner == uid ? 6 : groups.contains(group) ? 3 : 0
        return (mode >> shift) & bit == bit
    }

    /// Why this user cannot read `path` (or, for `.write`, create and replace files in the folder
    /// that holds it, and write it if it exists), with the command that fixes it; nil when it can.
    package func problem(reaching path: String, _ need: Need) -> String? {
        var parts = path.split(separator: "/").map(String.init)
        guard path.hasPrefix("/"), let name = parts.popLast() else { return nil }
        var folder = ""
        for part in parts {
            folder += "/" + part
            guard let st = Self.info(folder) else { return nil }  // missing: the config check says so
            if !granted(1, mode: st.st_mode, owner: st.st_uid, group: st.st_gid) {
                return "user \(self.name) cannot enter \(folder) (\(Self.describe(st))); fix: chgrp \(groupName) \(folder) && chmod g+x \(folder)"
            }
        }
        let file = folder + "/" + name
        switch need {
        case .read:
            guard let st = Self.info(file) else { return nil }
            if !granted(4, mode: st.st_mode, owner: st.st_uid, group: st.st_gid) {
                return "user \(self.name) cannot read \(file) (\(Self.describe(st))); fix: chgrp \(groupName) \(file) && chmod g+r \(file)"
            }
        case .write:
            let dir = folder.isEmpty ? "/" : folder
            if let st = Self.info(dir), !granted(3, mode: st.st_mode, owner: st.st_uid, group: st.st_gid) {
                return "user \(self.name) cannot create files in \(dir) (\(Self.describe(st))); fix: chown \(self.name) \(dir) && chmod u+rwx \(dir)"
            }
            if let st = Self.info(file), !granted(2, mode: st.st_mode, owner: st.st_uid, group: st.st_gid) {
                return "user \(self.name) cannot write \(file) (\(Self.describe(st))); fix: chown \(self.name) \(file)"
            }
        }
        return nil
    }

    /// The inode the service reaches at `path` (symbolic links followed, as open(2) does).
    private static func info(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }

    /// "root:pwsync 0640"
    private static func describe(_ st: stat) -> String {
        let owner = getpwuid(st.st_uid).map { String(cString: $0.pointee.pw_name) } ?? String(st.st_uid)
        let group = getgrgid(st.st_gid).map { String(cString: $0.pointee.gr_name) } ?? String(st.st_gid)
        let octal = String(st.st_mode & 0o7777, radix: 8)
        return "\(owner):\(group) \(String(repeating: "0", count: max(0, 4 - octal.count)))\(octal)"
    }
}

extension Configuration {
    /// The files `serve` reads (and the audit folder it writes), by config key, for `ServiceUser`.
    package var filesTheServiceUses: [(key: String, path: String, need: ServiceUser.Need)] {
        var files: [(String, String, ServiceUser.Need)] = [
            ("server.tls_certificate", server.certificatePath, .read),
            ("server.tls_private_key", server.privateKeyPath, .read),
        ]
        if let ca = directory.caFile { files.append(("directory.ca_file", ca, .read)) }
        switch directory.bind {
        case .simple(_, let passwordFile): files.append(("directory.bind_password_file", passwordFile, .read))
        case .kerberos(let keytab, _): files.append(("directory.kerberos_keytab", keytab, .read))
        }
        files.append(("audit.path", audit.path, .write))
        if let key = audit.sealKeyFile { files.append(("audit.seal_key_file", key, .read)) }
        return files
    }
}
