@testable import Audit
import XCTest

/// A decision sets event, outcome and reason together; the triples a reviewer reads are these.
final class AuditDecisionTests: XCTestCase {
    private func triple(_ d: AuditEvent.Decision) -> String {
        let e = AuditEvent(.start, requestID: "r1", userName: "alice").decided(d)
        return "\(e.event.rawValue)/\(e.outcome?.rawValue ?? "-")/\(e.reason?.rawValue ?? "-")"
    }

    func testEachDecisionWritesItsTriple() {
        XCTAssertEqual(triple(.received), "push_received/-/-")
        XCTAssertEqual(triple(.applied), "applied/success/-")
        XCTAssertEqual(triple(.unchanged(.sameAsLastWrite)), "applied/unchanged/same_as_last_write")
        XCTAssertEqual(triple(.skipped(.accountDisablingOff)), "applied/skipped/account_disabling_off")
        XCTAssertEqual(triple(.rejected(.userNotFound)), "rejected/failure/user_not_found")
        XCTAssertEqual(triple(.deferred(.writeInDoubt)), "deferred/deferred/write_in_doubt")
        XCTAssertEqual(triple(.inDoubt), "deferred/unknown/write_outcome_unknown")
        XCTAssertEqual(triple(.appliedLate(nil)), "applied_late/success/-")
        XCTAssertEqual(triple(.appliedLate(.changeMarkerMoved)), "applied_late/success/change_marker_moved")
        XCTAssertEqual(triple(.rejectedLate(.policyViolation)), "rejected_late/failure/password_policy_violation")
        XCTAssertEqual(triple(.doubtLifted), "doubt_lifted/failure/no_late_answer")
        XCTAssertEqual(triple(.authFailed(.invalidCredentials)), "auth_failed/failure/invalid_credentials")
    }

    func testADecisionReplacesAnEarlierOneAndKeepsEveryOtherField() {
        var e = AuditEvent(.start, requestID: "r1", userName: "alice", dn: "uid=alice,ou=people").decided(.rejected(.userNotFound))
        e.decide(.applied)
        XCTAssertNil(e.reason, "a reason of the earlier decision must not survive into an applied record")
        XCTAssertEqual(e.outcome, .success)
        XCTAssertEqual(e.requestID, "r1")
        XCTAssertEqual(e.userName, "alice")
        XCTAssertEqual(e.dn, "uid=alice,ou=people")
    }
}
