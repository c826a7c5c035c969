import Foundation
import XCTest
@testable import Secrets

final class SecretTests: XCTestCase {
    let canary = "Canary-Pa55word!"

    func testEveryTextualPathIsRedacted() throws {
        let s = Secret(canary)
        XCTAssertEqual(s.description, "<redacted>")
        XCTAssertEqual(s.debugDescription, "<redacted>")
        XCTAssertEqual("\(s)", "<redacted>")
        XCTAssertEqual(String(describing: s), "<redacted>")
        XCTAssertEqual(String(reflecting: s), "<redacted>")
        var dumped = ""
        dump(s, to: &dumped)
        XCTAssertFalse(dumped.contains(canary))
        struct Holder: Encodable { let password: Secret }
        let json = String(decoding: try JSONEncoder().encode(Holder(password: s)), as: UTF8.self)
        XCTAssertEqual(json, #"{"password":"<redacted>"}"#)
        XCTAssertFalse("\(Holder(password: s))".contains(canary))
    }

    func testBytesAreKept() {
        let s = Secret(canary)
        XCTAssertEqual(s.count, canary.utf8.count)
        s.withUnsafeBytes { XCTAssertEqual(Array($0), Array(canary.utf8)) }
    }

    /// The example from the directories reference: `S3cret!` → `"S3cret!"` in UTF-16LE.
    func testActiveDirectoryUnicodePwdEncoding() throws {
        let v = try XCTUnwrap(Secret("S3cret!").activeDirectoryUnicodePwd())
        v.withUnsafeBytes {
            XCTAssertEqual(Data($0).base64EncodedString(), "IgBTADMAYwByAGUAdAAhACIA")
        }
    }

    func testUnicodePwdUsesSurrogatePairsAboveBMP() throws {
        let pw = "äö€𝄞"
        let v = try XCTUnwrap(Secret(pw).activeDirectoryUnicodePwd())
        var expected: [UInt8] = []
        for unit in "\"\(pw)\"".utf16 { expected.append(UInt8(unit & 0xff)); expected.append(UInt8(unit >> 8)) }
        v.withUnsafeBytes { XCTAssertEqual(Array($0), expected) }
        XCTAssertEqual(v.count, (pw.utf16.count + 2) * 2)
    }

    func testInvalidUTF8IsRefusedNotMangled() {
        let bad = Secret(bytes: [0x41, 0xff, 0x42])
        XCTAssertFalse(bad.isValidUTF8)
        XCTAssertNil(bad.activeDirectoryUnicodePwd())
        XCTAssertTrue(Secret("ok €").isValidUTF8)
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(Secret("abc").constantTimeEquals(Secret("abc")))
        XCTAssertFalse(Secret("abc").constantTimeEquals(Secret("abd")))
        XCTAssertFalse(Secret("abc").constantTimeEquals(Secret("abcd")))
        XCTAssertFalse(Secret("").constantTimeEquals(Secret("a")))
    }

    func testGeneratorCoversEveryClassAndVaries() throws {
        let g = PasswordGenerator(length: 20)
        var seen = Set<[UInt8]>()
        for _ in 0..<200 {
            let p = try XCTUnwrap(g.generate())
            p.withUnsafeBytes { raw in
                let b = Array(raw)
                XCTAssertEqual(b.count, 20)
                for cls in g.classes { XCTAssertTrue(b.contains(where: cls.contains), "missing a class") }
                seen.insert(b)
            }
        }
        XCTAssertEqual(seen.count, 200, "200 random 20-character passwords should all differ")
    }

    func testLengthExclusionsAndTheCallersCheck() throws {
        let g = PasswordGenerator(length: 16, exclude: Set("abcXYZ23!#".utf8))
        let p = try XCTUnwrap(g.generate(length: 40) { s in s.withUnsafeBytes { !$0.contains(UInt8(ascii: "k")) } })
        p.withUnsafeBytes { raw in
            XCTAssertEqual(raw.count, 40, "the policy's longer minimum wins")
            XCTAssertFalse(raw.contains { Set("abcXYZ23!#k".utf8).contains($0) })
        }
        XCTAssertNil(g.generate { _ in false }, "a check nothing passes ends, without a password")
    }

    /// Each position's characters follow the distribution an ideal generator gives: uniform over
    /// the alphabet, conditioned on every class appearing (worked out exactly by inclusion-exclusion).
    /// 100,000 samples; chi-square per position against a 1-in-a-million critical value.
    func testPerPositionFrequenciesPassChiSquare() throws {
        let g = PasswordGenerator(length: 12)
        let alphabet = g.characters, n = 12, samples = 100_000
        let index = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: alphabet.count), count: n)
        for _ in 0..<samples {
            try XCTUnwrap(g.generate()).withUnsafeBytes { raw in
                for (i, b) in raw.enumerated() { counts[i][index[b]!] += 1 }
            }
        }
        // P(n-1 uniform draws cover every class in `need`), by inclusion-exclusion over the missing ones.
        let sizes = g.classes.map { Double($0.count) }, total = Double(alphabet.count)
        func cover(_ need: [Int], draws: Int) -> Double {
            var p = 0.0
            for mask in 0..<(1 << need.count) {
                let missing = need.indices.filter { mask & (1 << $0) != 0 }.map { sizes[need[$0]] }.reduce(0, +)
                p += (mask.nonzeroBitCount % 2 == 0 ? 1 : -1) * pow((total - missing) / total, Double(draws))
            }
            return p
        }
        let all = Array(g.classes.indices)
        let pAll = cover(all, draws: n)
        let expected = alphabet.map { c -> Double in
            let own = g.classes.firstIndex { $0.contains(c) }!
            return 1.0 / total * cover(all.filter { $0 != own }, draws: n - 1) / pAll
        }
        XCTAssertEqual(expected.reduce(0, +), 1, accuracy: 1e-9)
        let critical = 138.0  // chi-square, 68 degrees of freedom, p = 1e-6 (Wilson-Hilferty)
        XCTAssertEqual(alphabet.count - 1, 68)
        for (i, row) in counts.enumerated() {
            var chi = 0.0
            for (observed, p) in zip(row, expected) {
                let e: Double = p * Double(samples)
                let d: Double = Double(observed) - e
                chi += d * d / e
            }
            XCTAssertLessThan(chi, critical, "position \(i)")
        }
    }

    func testNoDuplicatesInAMillion() throws {
        let g = PasswordGenerator(length: 16)
        var seen = Set<[UInt64]>()
        seen.reserveCapacity(1_000_000)
        for _ in 0..<1_000_000 {
            let key = try XCTUnwrap(g.generate()).withUnsafeBytes { raw in
                [raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)]
            }
            seen.insert(key)
        }
        XCTAssertEqual(seen.count, 1_000_000)
    }
}

final class TokenHashTests: XCTestCase {
    func testRoundTripAndMatch() throws {
        let token = TokenHash.generateToken()
        XCTAssertEqual(token.count, 64)
        let hash = TokenHash(hashing: token)
        let parsed = try TokenHash(parsing: hash.encoded)
        XCTAssertEqual(parsed, hash)
        XCTAssertTrue(parsed.matches(token))
        XCTAssertFalse(parsed.matches(Secret("not the token")))
        XCTAssertFalse(hash.encoded.contains(token.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }))
    }

    func testSaltMakesHashesDiffer() {
        let token = Secret("same token")
        XCTAssertNotEqual(TokenHash(hashing: token).encoded, TokenHash(hashing: token).encoded)
    }

    func testMalformedHashesAreRejected() {
        for bad in ["", "plain-token-value", "pwsync-sha256$abc$def", "sha256$" + String(repeating: "0", count: 32) + "$" + String(repeating: "0", count: 64)] {
            XCTAssertThrowsError(try TokenHash(parsing: bad), bad)
        }
    }
}

final class SecretFileTests: XCTestCase {
    func testReadsAndStripsNewlineButRefusesWorldReadable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("pw").path
        FileManager.default.createFile(atPath: path, contents: Data("s3cret\n".utf8), attributes: [.posixPermissions: 0o600])
        let s = try SecretFile.read(path)
        s.withUnsafeBytes { XCTAssertEqual(Array($0), Array("s3cret".utf8)) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        XCTAssertThrowsError(try SecretFile.read(path)) { XCTAssertTrue("\($0)".contains("chmod")) }
    }
}

final class TokenStrengthTests: XCTestCase {
    func testPeoplesPasswordsAreWeakAndGeneratedTokensStrong() {
        for weak in ["abc", "Summer2026!", "correct horse battery", String(repeating: "a", count: 64), "0123456789abcdef"] {
            XCTAssertLessThan(TokenHash.estimatedStrengthBits(Secret(weak)), TokenHash.minimumStrengthBits, weak)
        }
        XCTAssertGreaterThanOrEqual(TokenHash.estimatedStrengthBits(TokenHash.generateToken()), 256)
        XCTAssertGreaterThanOrEqual(TokenHash.estimatedStrengthBits(Secret("q7N2vX9pL4kR8wZ1mB6cT3yH5jD0sF2gA9eU")), TokenHash.minimumStrengthBits)
    }
}
