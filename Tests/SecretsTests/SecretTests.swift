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

    func testGeneratorCoversEveryClassAndVaries() {
        let g = PasswordGenerator(length: 20)
        var seen = Set<[UInt8]>()
        for _ in 0..<200 {
            let p = g.generate()
            p.withUnsafeBytes { raw in
                let b = Array(raw)
                XCTAssertEqual(b.count, 20)
                for cls in g.classes { XCTAssertTrue(b.contains(where: cls.contains), "missing a class") }
                seen.insert(b)
            }
        }
        XCTAssertEqual(seen.count, 200, "200 random 20-character passwords should all differ")
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
