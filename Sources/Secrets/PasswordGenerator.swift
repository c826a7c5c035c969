/// Strong random passwords from the system CSPRNG (`getrandom(2)` behind `SystemRandomNumberGenerator`).
///
/// Every configured character class appears at least once, then the whole password is shuffled with
/// the same CSPRNG, so class positions leak nothing.
public struct PasswordGenerator: Sendable {
    public static let lower = Array("abcdefghijkmnopqrstuvwxyz".utf8)
    public static let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ".utf8)
    public static let digits = Array("23456789".utf8)
    public static let symbols = Array("!#%+-.:=?@_~".utf8)

    public let length: Int
    public let classes: [[UInt8]]

    public init(length: Int = 24, classes: [[UInt8]] = [lower, upper, digits, symbols]) {
        precondition(length >= classes.count && !classes.isEmpty, "length must cover every class")
        self.length = length
        self.classes = classes
    }

    public func generate() -> Secret {
        var rng = SystemRandomNumberGenerator()
        let all = classes.flatMap { $0 }
        return Secret(capacity: length) { out in
            for i in 0..<length {
                let pool = i < classes.count ? classes[i] : all
                out[i] = pool[Int.random(in: 0..<pool.count, using: &rng)]
            }
            // Fisher-Yates with the CSPRNG.
            var i = length - 1
            while i > 0 {
                let j = Int.random(in: 0...i, using: &rng)
                out.swapAt(i, j)
                i -= 1
            }
            return length
        }
    }
}
