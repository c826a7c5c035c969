@testable import Config
import XCTest

/// Which permission bits apply to the service's user: owner's, else group's, else other's.
final class ServiceUserTests: XCTestCase {
    let pwsync = ServiceUser(name: "pwsync", uid: 998, groups: [998, 4], groupName: "pwsync")

    func testTheOwnerClassAppliesToTheOwnerEvenWhenTheGroupWouldGrantMore() {
        XCTAssertTrue(pwsync.granted(4, mode: 0o600, owner: 998, group: 0))
        XCTAssertFalse(pwsync.granted(4, mode: 0o060, owner: 998, group: 998))
    }

    func testTheGroupClassAppliesThroughAnyOfTheUsersGroups() {
        XCTAssertTrue(pwsync.granted(4, mode: 0o640, owner: 0, group: 998))
        XCTAssertTrue(pwsync.granted(4, mode: 0o640, owner: 0, group: 4), "a supplementary group (adm)")
        XCTAssertFalse(pwsync.granted(4, mode: 0o600, owner: 0, group: 998))
    }

    func testOthersGetTheOtherClass() {
        XCTAssertFalse(pwsync.granted(4, mode: 0o640, owner: 0, group: 0))
        XCTAssertTrue(pwsync.granted(1, mode: 0o755, owner: 0, group: 0))
        XCTAssertFalse(pwsync.granted(3, mode: 0o755, owner: 0, group: 0), "a folder it may enter but not write")
    }

    func testRootMayDoAnything() {
        let root = ServiceUser(name: "root", uid: 0, groups: [0], groupName: "root")
        XCTAssertTrue(root.granted(4, mode: 0o000, owner: 1, group: 1))
    }

    /// A path with nothing to reach (the root, a relative path) is not a finding, and no crash.
    func testAPathWithoutAFileNameIsNoProblem() {
        XCTAssertNil(pwsync.problem(reaching: "/", .read))
        XCTAssertNil(pwsync.problem(reaching: "relative/file", .read))
    }
}
