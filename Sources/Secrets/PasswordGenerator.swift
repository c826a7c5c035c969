/// Strong random passwords from the system CSPRNG (`getrandom(2)` behind `SystemRandomNumberGenerator`).
///
/// Each character is drawn uniformly (no modulo bias) from the union of the configured classes; a
/// candidate missing a class, or refused by the caller's check (a directory's policy), is thrown
/// away whole and drawn again. So every acceptable password of the length is equally likely, and
/// no position or class is favoured.
package struct PasswordGenerator: Sendable, Equatable {
    package static let lower = Array("abcdefghijkmnopqrstuvwxyz".utf8)
    package static let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ".utf8)
    package static let digits = Array("23456789".utf8)
    package static let symbols = Array("!#%+-.:=?@_~".utf8)
    /// Candidates tried before giving up on a check that (almost) nothing passes.
    package static let maxAttempts = 10_000

    package let length: Int
    /// Every class appears at least once in each password.
    package let classes: [[UInt8]]
    let alphabet: [UInt8]
    /// For each byte value, the bit of each class it belongs to.
    let classBits: [UInt8]
    /// Random bytes at or above this are redrawn, so `byte % alphabet.count` has no modulo bias.
    let byteLimit: Int

    /// `exclude` removes characters from every class (a class left empty is dropped).
    package init(length: Int = 24, classes: [[UInt8]] = [lower, upper, digits, symbols], exclude: Set<UInt8> = []) {
        let kept = classes.map { $0.filter { !exclude.contains($0) } }.filter { !$0.isEmpty }
        precondition(!kept.isEmpty && kept.count <= 8 && length >= kept.count, "1 to 8 classes, and a length that covers them")
        self.length = length
        self.classes = kept
        self.alphabet = Array(Set(kept.flatMap { $0 })).sorted()
        var bits = [UInt8](repeating: 0, count: 256)
        for (i, c) in kept.prefix(8).enumerated() { for b in c { bits[Int(b)] |= 1 << i } }
        self.classBits = bits
        self.byteLimit = 256 - 256 % alphabet.count
    }

    /// A password of `length` characters (at least `self.length`) that contains every class and
    /// passes `accept`; nil when `maxAttempts` candidates all failed it.
    package func generate(length wanted: Int? = nil, accept: (Secret) -> Bool = { _ in true }) -> Secret? {
        var rng = SystemRandomNumberGenerator()
        let n = max(wanted ?? length, length)
        let everyClass = UInt8(truncatingIfNeeded: (1 << min(classes.count, 8)) - 1)
        // Eight random bytes per CSPRNG call; a byte at or above `byteLimit` is skipped.
        var word: UInt64 = 0, left = 0
        for _ in 0..<Self.maxAttempts {
            var seen: UInt8 = 0
            let candidate = Secret(capacity: n) { out in
                var i = 0
                while i < n {
                    if left == 0 { word = rng.next(); left = 8 }
                    let byte = Int(word & 0xff)
                    word >>= 8
                    left -= 1
                    guard byte < byteLimit else { continue }
                    let c = alphabet[byte % alphabet.count]
                    out[i] = c
                    seen |= classBits[Int(c)]
                    i += 1
                }
                return n
            }
            if seen == everyClass && accept(candidate) { return candidate }
        }
        return nil
    }

    /// The alphabet every character is drawn from, for tests of the distribution.
    package var characters: [UInt8] { alphabet }
}
