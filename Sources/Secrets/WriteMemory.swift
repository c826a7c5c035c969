import Crypto

/// Remembers, in memory only, a keyed fingerprint (HMAC-SHA256 under a random per-process key) of
/// the last password written for each user, with the directory's change marker read right after
/// that write. Okta pushes the password again at every sign-in; a push whose value and marker both
/// still match is "unchanged", and nothing is written.
///
/// Never persisted: the key dies with the process, and without it a fingerprint cannot be tested
/// against guesses.
public actor WriteMemory {
    /// A password's fingerprint for one user under this process's key.
    public struct Fingerprint: Sendable, Equatable {
        fileprivate let bytes: [UInt8]
    }

    private let key = SymmetricKey(size: .bits256)
    private var last: [String: (fingerprint: Fingerprint, stamp: String?)] = [:]
    private let capacity: Int

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    public func fingerprint(_ password: Secret, for user: String) -> Fingerprint {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array(user.utf8) + [0])
        password.withUnsafeBytes { mac.update(data: $0) }
        return Fingerprint(bytes: Array(mac.finalize()))
    }

    /// `stamp` is the directory's change marker read right after the write.
    public func remember(_ password: Secret, for user: String, stamp: String?) {
        remember(fingerprint(password, for: user), for: user, stamp: stamp)
    }

    public func remember(_ fingerprint: Fingerprint, for user: String, stamp: String?) {
        if last.count >= capacity { last.removeAll() }
        last[user] = (fingerprint, stamp)
    }

    public func forget(_ user: String) { last[user] = nil }

    /// pwsync itself changed the account, not its password (a lock, say), moving the change marker
    /// from `from` to `to`: what it last wrote stays known, if the marker was still its own.
    public func carryForward(_ user: String, from: String?, to: String?) {
        guard let from, let known = last[user], known.stamp == from else { return }
        last[user] = (known.fingerprint, to)
    }

    /// True when `password` is what pwsync itself last wrote for `user` in this process, and the
    /// directory's change marker is still the one seen right after that write (so no one changed
    /// the password since). Without a marker, nothing can be known: false.
    public func isLastWritten(_ password: Secret, for user: String, stamp: String?) -> Bool {
        guard let known = last[user], let stamp, known.stamp == stamp else { return false }
        let candidate = fingerprint(password, for: user)
        var diff: UInt8 = 0
        for (a, b) in zip(known.fingerprint.bytes, candidate.bytes) { diff |= a ^ b }
        return diff == 0
    }
}
