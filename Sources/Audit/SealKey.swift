import Crypto
import FoundationEssentials
import Secrets
import PlainText

/// The key that seals audit records during one epoch. It evolves by a one-way function at each
/// epoch boundary (`k[e+1] = HMAC-SHA256(k[e], "pwsync-seal-v1 evolve")`), so whoever holds the key
/// of epoch N cannot compute the key of any earlier epoch, and cannot re-seal what was written then.
/// `@unchecked`: SymmetricKey is an immutable value whose storage swift-crypto never shares mutably.
package struct SealKey: @unchecked Sendable {
    package static let version = "pwsync-seal-v1"
    static let evolveLabel = Array("pwsync-seal-v1 evolve".utf8)
    static let epochZeroInfo = Array("pwsync-seal-v1 epoch 0".utf8)

    package private(set) var epoch: UInt64
    /// Unix seconds at which epoch 0 began.
    package let start: Int64
    /// Seconds per epoch.
    package let interval: Int64
    private(set) var key: SymmetricKey

    init(epoch: UInt64, start: Int64, interval: Int64, key: SymmetricKey) {
        self.epoch = epoch
        self.start = start
        self.interval = interval
        self.key = key
    }

    /// The epoch `date` falls in (0 before the start).
    package func epoch(at date: Date) -> UInt64 {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        return t <= start ? 0 : UInt64((t - start) / interval)
    }

    /// Moves forward to `target`; the replaced keys are gone (SymmetricKey zeroes its storage).
    package mutating func evolve(to target: UInt64) {
        while epoch < target {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Self.evolveLabel, using: key))
            epoch += 1
        }
    }

    /// HMAC-SHA256 of `payload` under this epoch's key.
    package func mac(_ payload: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: payload, using: key))
    }

    /// Constant-time check of `mac` over `payload`.
    package func verify(_ mac: [UInt8], over payload: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key)
    }

    func withKeyBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try key.withUnsafeBytes(body)
    }
}

/// What a reviewer keeps off the host: the seed of epoch 0's key and the epoch schedule. With it,
/// every epoch's key can be recomputed and every record's seal checked.
package struct VerificationKey: Sendable, Equatable {
    package let seed: [UInt8]
    package let start: Int64
    package let interval: Int64

    package init(seed: [UInt8], start: Int64, interval: Int64) {
        self.seed = seed
        self.start = start
        self.interval = interval
    }

    /// A new random verification key and the sealing key of epoch 0 that goes with it.
    package static func generate(start: Int64, interval: Int64) -> (VerificationKey, SealKey) {
        var rng = SystemRandomNumberGenerator()
        let seed = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let vk = VerificationKey(seed: seed, start: start, interval: interval)
        return (vk, vk.sealKey())
    }

    /// The sealing key of epoch 0, derived from the seed with HKDF.
    package func sealKey() -> SealKey {
        let k0 = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: seed), info: SealKey.epochZeroInfo, outputByteCount: 32)
        return SealKey(epoch: 0, start: start, interval: interval, key: k0)
    }

    /// `pwsync-vk1:<64 hex>:<start>:<interval>`
    package var text: String { "pwsync-vk1:\(Hex.encode(seed)):\(start):\(interval)" }

    package init?(parsing text: String) {
        let parts = text.trimming(while: \.isWhitespace).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pwsync-vk1", let seed = Hex.decode(parts[1]), seed.count == 32,
              let start = Int64(parts[2]), let interval = Int64(parts[3]), interval > 0 else { return nil }
        self.init(seed: seed, start: start, interval: interval)
    }
}
