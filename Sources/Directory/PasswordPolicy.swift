import Secrets

/// The rules a directory applies to a new password, as read from the directory itself (AD's
/// domain object or a fine-grained PSO, an OpenLDAP ppolicy entry). Used to refuse a pushed value
/// that cannot pass before the directory is asked, and to generate random passwords that will.
package struct PasswordPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Minimum length in characters (Unicode scalars); 0 = none.
    package var minLength: Int
    /// AD complexity: three of the four character classes (lower, upper, digit, other), and
    /// neither the account name nor a display-name token inside.
    package var complexity: Bool
    /// How many earlier passwords the directory refuses to see again; 0 = none.
    package var historyLength: Int
    /// Seconds before a password may be changed again; 0 = none.
    package var minAgeSeconds: Int
    /// Where the rules came from, for messages: "domain DC=samdom,DC=test", "PSO CN=…", "ppolicy cn=…".
    package var source: String

    package init(minLength: Int = 0, complexity: Bool = false, historyLength: Int = 0, minAgeSeconds: Int = 0, source: String = "none") {
        self.minLength = minLength
        self.complexity = complexity
        self.historyLength = historyLength
        self.minAgeSeconds = minAgeSeconds
        self.source = source
    }

    /// No rules known: nothing is refused in advance.
    package static let none = PasswordPolicy()

    package var description: String {
        "\(source): minimum length \(minLength), complexity \(complexity ? "on" : "off"), history \(historyLength), minimum age \(minAgeSeconds) s"
    }

    /// A rule a password breaks, in words that name the rule and never the password's content.
    package enum Violation: Sendable, Equatable, CustomStringConvertible {
        case tooShort(length: Int, minimum: Int)
        /// Complexity wants three of the four classes; `found` is how many the password has.
        case needsThreeClasses(found: Int)
        case containsAccountName
        case containsDisplayName

        package var description: String {
            switch self {
            case .tooShort(let n, let m): return "too short: \(n) < \(m) characters"
            case .needsThreeClasses(let found): return "needs characters from three of four classes (lower case, upper case, digits, symbols); it has \(found)"
            case .containsAccountName: return "contains the account name"
            case .containsDisplayName: return "contains a part of the display name"
            }
        }
    }

    /// Characters AD splits a display name at when it looks for name parts in a password.
    static let displayNameDelimiters: Set<Unicode.Scalar> = [",", ".", "-", "_", " ", "#", "\t"]

    /// The first rule `password` breaks, checked the way the directory checks it: AD looks for
    /// the whole account name (3 characters or more) and each display-name token of 3 or more,
    /// case-insensitively.
    package func violation(of password: Secret, accountName: String?, displayName: String?) -> Violation? {
        // No rules (the usual OpenLDAP case without ppolicy_default): nothing to decode per push.
        guard minLength > 0 || complexity else { return nil }
        return PasswordScalars.with(password) { scalars in
            if scalars.count < minLength { return .tooShort(length: scalars.count, minimum: minLength) }
            guard complexity else { return nil }
            let found = CharacterClass.count(in: scalars)
            if found < 3 { return .needsThreeClasses(found: found) }
            if let name = accountName.map(Self.folded), name.count >= 3, PasswordScalars.contains(scalars, name) {
                return .containsAccountName
            }
            for token in Self.tokens(of: displayName) where PasswordScalars.contains(scalars, token) {
                return .containsDisplayName
            }
            return nil
        }
    }

    /// Whether `password` holds any three consecutive characters of the account name or of a
    /// display-name token (case-insensitively): stricter than AD's own rule, so a generated
    /// password keeps clear of every name the account goes by.
    package static func sharesNameFragment(_ password: Secret, accountName: String?, displayName: String?) -> Bool {
        var names = tokens(of: displayName)
        if let accountName { names.append(folded(accountName)) }
        return PasswordScalars.with(password) { scalars in
            names.contains { name in
                name.count >= 3 && (0...(name.count - 3)).contains { PasswordScalars.contains(scalars, Array(name[$0..<$0 + 3])) }
            }
        }
    }

    /// Display-name parts AD checks: split at its delimiters, 3 characters or more, folded.
    static func tokens(of displayName: String?) -> [[Unicode.Scalar]] {
        guard let displayName else { return [] }
        return displayName.unicodeScalars.split { displayNameDelimiters.contains($0) }.map { folded(String(String.UnicodeScalarView($0))) }
            .filter { $0.count >= 3 }
    }

    static func folded(_ s: String) -> [Unicode.Scalar] { Array(s.lowercased().unicodeScalars) }
}

/// The four classes AD's complexity rule counts (a letter that is neither case counts as "other").
package enum CharacterClass: CaseIterable, Sendable {
    case lower, upper, digit, other

    init(_ s: Unicode.Scalar) {
        if s.properties.isLowercase { self = .lower } else if s.properties.isUppercase { self = .upper }
        else if ("0"..."9").contains(s) { self = .digit } else { self = .other }
    }

    static func count(in scalars: UnsafeBufferPointer<Unicode.Scalar>) -> Int {
        var seen = Set<CharacterClass>()
        for s in scalars { seen.insert(CharacterClass(s)) }
        return seen.count
    }
}

/// A password's scalars, lower-cased, in a buffer that is zeroed before it is freed.
enum PasswordScalars {
    static func with<R>(_ password: Secret, _ body: (UnsafeBufferPointer<Unicode.Scalar>) -> R) -> R {
        password.withUnsafeBytes { raw in
            let buffer = UnsafeMutableBufferPointer<Unicode.Scalar>.allocate(capacity: raw.count)
            defer {
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
                buffer.deallocate()
            }
            var n = 0
            var decoder = Unicode.UTF8()
            var bytes = raw.makeIterator()
            loop: while true {
                switch decoder.decode(&bytes) {
                case .scalarValue(let s):
                    buffer[n] = s
                    n += 1
                case .emptyInput: break loop
                case .error:
                    buffer[n] = "\u{FFFD}"
                    n += 1
                }
            }
            return body(UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// Whether `needle` (already folded) occurs in `scalars`, comparing case-insensitively.
    static func contains(_ scalars: UnsafeBufferPointer<Unicode.Scalar>, _ needle: [Unicode.Scalar]) -> Bool {
        guard !needle.isEmpty, needle.count <= scalars.count else { return false }
        for start in 0...(scalars.count - needle.count) {
            var i = 0
            while i < needle.count, fold(scalars[start + i]) == needle[i] { i += 1 }
            if i == needle.count { return true }
        }
        return false
    }

    /// Simple lower-casing of one scalar (ASCII without allocating; else its one-scalar mapping).
    static func fold(_ s: Unicode.Scalar) -> Unicode.Scalar {
        if s.isASCII {
            return ("A"..."Z").contains(s) ? Unicode.Scalar(s.value + 32)! : s
        }
        let mapped = s.properties.lowercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped.first! : s
    }
}
