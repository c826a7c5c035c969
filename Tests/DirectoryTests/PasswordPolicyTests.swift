import Directory
import Secrets
import XCTest

/// The pre-check rules, as AD and ppolicy apply them.
final class PasswordPolicyTests: XCTestCase {
    let ad = PasswordPolicy(minLength: 8, complexity: true, historyLength: 3, source: "domain policy DC=example,DC=com")

    func check(_ p: String, account: String? = "jdoe", display: String? = "John Doe-Smith") -> PasswordPolicy.Violation? {
        ad.violation(of: Secret(p), accountName: account, displayName: display)
    }

    func testLengthCountsCharactersNotBytes() {
        XCTAssertEqual(check("Ab1!x"), .tooShort(length: 5, minimum: 8))
        XCTAssertEqual(check("Ωжé9!Aaa"), nil, "8 characters in 13 UTF-8 bytes")
        XCTAssertEqual(check("Ωжé9!Aa"), .tooShort(length: 7, minimum: 8))
    }

    func testThreeOfFourClasses() {
        XCTAssertEqual(check("abcdefgh12"), .needsThreeClasses(found: 2))
        XCTAssertNil(check("abcdefgh12X"))
        XCTAssertNil(check("abcdefgh1!"))
        XCTAssertNil(check("ABCDEFGH!!a"))
        XCTAssertEqual(check("ABCDEFGH!!"), .needsThreeClasses(found: 2))
    }

    func testAccountNameAndDisplayNameTokensCaseInsensitively() {
        XCTAssertEqual(check("xxJDOE99!a"), .containsAccountName)
        XCTAssertEqual(check("Q1!smithQQ"), .containsDisplayName, "a token after '-'")
        XCTAssertEqual(check("Q1!jOhNqqq"), .containsDisplayName)
        // Tokens under three characters and account names under three are not looked for.
        XCTAssertNil(ad.violation(of: Secret("Q1!jdqqqqq"), accountName: "jd", displayName: "Al Bo"))
        XCTAssertNil(check("Zz9!doeZ", display: nil), "'doe' alone is not the account name jdoe")
    }

    func testNoComplexityChecksOnlyLength() {
        let ppolicy = PasswordPolicy(minLength: 8, source: "ppolicy cn=default")
        XCTAssertNil(ppolicy.violation(of: Secret("aaaaaaaa"), accountName: "aaaa", displayName: nil))
        XCTAssertEqual(ppolicy.violation(of: Secret("aaaa"), accountName: nil, displayName: nil), .tooShort(length: 4, minimum: 8))
        XCTAssertNil(PasswordPolicy.none.violation(of: Secret(""), accountName: nil, displayName: nil))
    }

    /// The message names the rule and the numbers, never the password.
    func testDescriptionsNameTheRuleOnly() {
        XCTAssertEqual("\(PasswordPolicy.Violation.tooShort(length: 5, minimum: 8))", "too short: 5 < 8 characters")
        XCTAssertTrue("\(PasswordPolicy.Violation.needsThreeClasses(found: 2))".contains("three of four"))
    }

    /// The generator's stricter rule: no three consecutive characters of any name.
    func testNameFragments() {
        XCTAssertTrue(PasswordPolicy.sharesNameFragment(Secret("xxOHNxx"), accountName: "jdoe", displayName: "John Doe"))
        XCTAssertTrue(PasswordPolicy.sharesNameFragment(Secret("xxdOExx"), accountName: "jdoe", displayName: nil))
        XCTAssertFalse(PasswordPolicy.sharesNameFragment(Secret("xxJDxDOxx"), accountName: "jdoe", displayName: "Jo Do"))
    }
}
