import Crypto
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// A bearer token as stored in the config: `pwsync-sha256$<salt hex>$<digest hex>`.
///
/// Tokens are 256-bit random values, so a salted SHA-256 is enough to make a leaked config useless
/// for authenticating (there is nothing to brute-force). HTTP Basic uses the same hashes, so its
/// password must be such a generated secret too: `hash-token` refuses anything weaker than 128 bits. Verification compares digests in constant time.
package struct TokenHash: Sendable, Equatable {
    package static let prefix = "pwsync-sha256"
    package let salt: [UInt8]
    package let digest: [UInt8]

    package enum ParseError: Error, CustomStringConvertible {
        case malformed
        package var description: String {
            "expected \(TokenHash.prefix)$<32 hex salt>$<64 hex digest>, as printed by `pwsync hash-token`"
        }
    }

    package init(parsing text: String) throws {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.prefix,
              let salt = Hex.decode(parts[1]), salt.count == 16,
              let digest = Hex.decode(parts[2]), digest.count == 32
        else { throw ParseError.malformed }
        self.salt = salt
        self.digest = digest
    }

    /// Hashes `token` with a fresh random salt.
    package init(hashing token: Secret) {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        self.init(salt: salt, token: token)
    }

    init(salt: [UInt8], token: Secret) {
        self.salt = salt
        self.digest = Self.compute(salt: salt, token: token)
    }

    package var encoded: String { "\(Self.prefix)$\(Hex.encode(salt))$\(Hex.encode(digest))" }

    /// Constant time in the token: the digest comparison does not stop at the first difference.
    package func matches(_ candidate: Secret) -> Bool {
        let other = Self.compute(salt: salt, token: candidate)
        var diff: UInt8 = 0
        for (a, b) in zip(digest, other) { diff |= a ^ b }
        return diff == 0 && other.count == digest.count
    }

    static func compute(salt: [UInt8], token: Secret) -> [UInt8] {
        var h = SHA256()
        h.update(data: salt)
        token.withUnsafeBytes { h.update(bufferPointer: $0) }
        return Array(h.finalize())
    }

    /// 32 random bytes as 64 hex characters: what `pwsync hash-token --generate` hands out.
    package static func generateToken() -> Secret {
        var rng = SystemRandomNumberGenerator()
        return Secret(capacity: 64) { out in
            for i in stride(from: 0, to: 64, by: 2) {
                let b = UInt8.random(in: 0...255, using: &rng)
                out[i] = Hex.digits[Int(b >> 4)]
                out[i + 1] = Hex.digits[Int(b & 0x0f)]
            }
            return 64
        }
    }

    /// The least a credential must be worth: what `--generate` makes (256 bits) is far above it.
    package static let minimumStrengthBits = 128

    /// A rough upper bound of the guessing work, in bits: length × log2(the alphabet its character
    /// classes span). A person's password (`abc`, `Summer2026!`) is far below 128; a generated
    /// 64-hex-digit token is 256.
    package static func estimatedStrengthBits(_ secret: Secret) -> Int {
        secret.withUnsafeBytes { raw in
            var lower = false, upper = false, digit = false, other = false
            var distinct = Set<UInt8>()
            for b in raw {
                distinct.insert(b)
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): lower = true
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper = true
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = true
                default: other = true
                }
            }
            // Hex digits only span 16 symbols, however many classes they touch.
            let isHex = raw.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
            var alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0)
            if isHex { alphabet = 16 }
            // Repetition (aaaa…) is worth little, whatever the length.
            alphabet = min(alphabet, max(2, distinct.count * 2))
            return Int(Double(raw.count) * log2(Double(max(alphabet, 2))))
        }
    }
}
