import Crypto
import Synchronization

/// Remembers, in memory only, a keyed fingerprint (HMAC-SHA256 under a random per-process key) of
/// the last password written for each user, with the directory's change marker read right after
/// that write. Okta pushes the password again at every sign-in; a push whose value and marker both
/// still match is "unchanged", and nothing is written.
///
/// Never persisted: the key dies with the process, and without it a fingerprint cannot be tested
/// against guesses. A lock, not an actor: it is on every push's path, and a hop per call costs more
/// than the dictionary work it guards.
package final class WriteMemory: Sendable {
    /// A password's fingerprint for one user under this process's key.
    package struct Fingerprint: Sendable, Equatable {
        fileprivate let bytes: [UInt8]
    }

    /// The per-process key, kept as bytes (`SymmetricKey` is not `Sendable`).
    private let key: [UInt8] = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    private let last = Mutex<[String: (fingerprint: Fingerprint, stamp: String?)]>([:])
    private let capacity: Int

    package init(capacity: Int = 100_000) { self.capacity = capacity }

    package func fingerprint(_ password: Secret, for user: String) -> Fingerprint {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: Array(user.utf8) + [0])
        password.withUnsafeBytes { mac.update(data: $0) }
        return Fingerprint(bytes: Array(mac.finalize()))
    }

    /// `stamp` is the directory's change marker read right after the write.
    package func remember(_ password: Secret, for user: String, stamp: String?) {
        remember(fingerprint(password, for: user), for: user, stamp: stamp)
    }

    package func remember(_ fingerprint: Fingerprint, for user: String, stamp: String?) {
        last.withLock { last in
            if last.count >= capacity { last.removeAll() }
            last[user] = (fingerprint, stamp)
        }
    }

    package func forget(_ user: String) { _ = last.withLock { $0.removeValue(forKey: user) } }

    /// pwsync itself changed the account, not its password (a lock, say), moving the change marker
    /// from `from` to `to`: what it last wrote stays known, if the marker was still its own.
    package func carryForward(_ user: String, from: String?, to: String?) {
        guard let from else { return }
        last.withLock { last in
            guard let known = last[user], known.stamp == from else { return }
            last[user] = (known.fingerprint, to)
        }
    }

    /// True when `fingerprint` is what pwsync itself last wrote for `user` in this process, and the
    /// directory's change marker is still the one seen right after that write (so no one changed
    /// the password since). Without a marker, nothing can be known: false.
    package func isLastWritten(_ fingerprint: Fingerprint, for user: String, stamp: String?) -> Bool {
        guard let stamp, let known = last.withLock({ $0[user] }), known.stamp == stamp else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(known.fingerprint.bytes, fingerprint.bytes) { diff |= a ^ b }
        return diff == 0
    }

    package func isLastWritten(_ password: Secret, for user: String, stamp: String?) -> Bool {
        isLastWritten(fingerprint(password, for: user), for: user, stamp: stamp)
    }
}
