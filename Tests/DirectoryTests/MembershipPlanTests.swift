import Directory
import XCTest

/// Okta's membership changes become value-level adds and deletes against the members read now.
final class MembershipPlanTests: XCTestCase {
    let a = "uid=a,ou=people,dc=x", b = "uid=b,ou=people,dc=x", c = "uid=c,ou=people,dc=x", d = "uid=d,ou=people,dc=x"

    func testAddsAndRemovesAreIdempotent() {
        XCTAssertEqual(MembershipPlan(current: [a, b], [.add([b, c])]), MembershipPlan(add: [c]), "b is already in")
        XCTAssertEqual(MembershipPlan(current: [a, b], [.remove([d])]), MembershipPlan(), "removing someone absent writes nothing")
        XCTAssertEqual(MembershipPlan(current: [a, b], [.remove(["UID=A,OU=People,DC=x"])]), MembershipPlan(remove: [a]), "DNs compare case-insensitively")
        XCTAssertTrue(MembershipPlan(current: [a], [.add([a]), .remove([d])]).isEmpty)
    }

    /// A member another admin added a moment before is removed only because Okta's list lacks it.
    func testAReplaceIsTheDifferenceWithTheMembersReadNow() {
        let current = [a, b, d]  // d: added by another admin, not in Okta's list
        XCTAssertEqual(MembershipPlan(current: current, [.replace([a, c])]), MembershipPlan(add: [c], remove: [b, d]))
        XCTAssertEqual(MembershipPlan(current: current, [.replace([a, b, d])]), MembershipPlan(), "the same list writes nothing")
        XCTAssertEqual(MembershipPlan(current: current, [.replace([])]), MembershipPlan(remove: [a, b, d]))
    }

    func testChangesApplyInOrder() {
        XCTAssertEqual(MembershipPlan(current: [a], [.add([c]), .remove([c])]), MembershipPlan())
        XCTAssertEqual(MembershipPlan(current: [a], [.remove([a]), .add([a])]), MembershipPlan())
        XCTAssertEqual(MembershipPlan(current: [a, b], [.replace([]), .add([c])]), MembershipPlan(add: [c], remove: [a, b]))
    }

    func testALargePlanIsWrittenInBoundedPieces() {
        let many = (0..<1000).map { "uid=u\($0),ou=people,dc=x" }
        let plan = MembershipPlan(current: [a, b], [.replace(many)])
        XCTAssertEqual(plan.add.count, 1000)
        let pieces = plan.batches(of: 300)
        XCTAssertEqual(pieces.map { $0.add.count + $0.remove.count }, [2, 300, 300, 300, 100])
        XCTAssertEqual(pieces.first, MembershipPlan(remove: [a, b]), "deletes first")
        XCTAssertEqual(pieces.flatMap(\.add), many, "every add once, in order")
    }
}
