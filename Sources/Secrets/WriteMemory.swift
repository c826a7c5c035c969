import Crypto

/// Remembers, in memory only, a keyed fingerprint (HMAC-SHA256 under a random per-process key) of
/// the last password written for each user, so a full-user PUT that merely repeats it (Okta's
/// provisioning agent sends the password on every PUT) does not become a failed history check.
///
/// Never persisted: the key dies with the process, and without it a fingerprint cannot be tested
/// against guesses.
public actor WriteMemory {
    private let key = SymmetricKey(size: .bits256)
    private var last: [String: (fingerprint: [UInt8], stamp: String?)] = [:]
    private let capacity: Int

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    private func fingerprint(_ user: String, _ password: Secret) -> [UInt8] {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array(user.utf8) + [0])
        password.withUnsafeBytes { mac.update(data: $0) }
        return Array(mac.finalize())
    }

    /// `stamp` is the directory's own record of the change just made (pwdLastSet, pwdChangedTime).
    public func remember(_ password: Secret, for user: String, stamp: String?) {
        if last.count >= capacity { last.removeAll() }
        last[user] = (fingerprint(user, password), stamp)
    }

    public func forget(_ user: String) { last[user] = nil }

    /// True when `password` is what pwsync itself last wrote for `user` in this process, and the
    /// directory's record of the last change is still the one seen right after that write (so no
    /// one reset the password since). Without a stamp, nothing can be known: false.
    public func isLastWritten(_ password: Secret, for user: String, stamp: String?) -> Bool {
        guard let known = last[user], let stamp, known.stamp == stamp else { return false }
        let candidate = fingerprint(user, password)
        var diff: UInt8 = 0
        for (a, b) in zip(known.fingerprint, candidate) { diff |= a ^ b }
        return diff == 0
    }
}
