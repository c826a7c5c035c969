import Audit
import Directory
import PasswordSync
import SCIM
@testable import Server
import XCTest

/// SCIM's wire types become domain values before a use-case sees them, and back here.
final class SCIMUserMappingTests: XCTestCase {
    func testFiltersBecomeDirectoryQueries() throws {
        XCTAssertEqual(try SCIMUserMapping.filter(SCIMFilter.parse(#"userName eq "ALICE""#)), .equals(.userName, "ALICE"))
        XCTAssertEqual(try SCIMUserMapping.filter(SCIMFilter.parse(#"urn:ietf:params:scim:schemas:core:2.0:User:name.GivenName eq "Ada""#)),
                       .equals(.givenName, "Ada"))
        XCTAssertEqual(try SCIMUserMapping.filter(SCIMFilter.parse(#"userName eq "a" or emails.value eq "b@x.test""#)),
                       .or([.equals(.userName, "a"), .equals(.email, "b@x.test")]))
    }

    func testAnUnsupportedFilterIsA400NamingWhatIsSupported() throws {
        for text in [#"password eq "x""#, #"displayName eq "x""#, "userName eq true"] {
            XCTAssertThrowsError(try SCIMUserMapping.filter(SCIMFilter.parse(text))) { error in
                let e = error as? SCIMError
                XCTAssertEqual(e?.status, 400, text)
                XCTAssertEqual(e?.scimType, "invalidFilter", text)
            }
        }
        XCTAssertThrowsError(try SCIMUserMapping.filter(SCIMFilter.parse(#"password eq "x""#))) { error in
            XCTAssertTrue((error as? SCIMError)?.detail.contains("userName, emails.value, name.givenName, name.familyName") == true)
        }
    }

    func testAListIsPagedHere() throws {
        let users = ["a", "b", "c"].map { DirectoryUser(id: $0, dn: "uid=\($0)", userName: $0) }
        let page = SCIMUserMapping.list(users, try Pagination(startIndex: "2", count: "1"))
        XCTAssertEqual(page.totalResults, 3)
        XCTAssertEqual(page.startIndex, 2)
        XCTAssertEqual(page.resources.map(\.id), ["b"])
    }

    func testEachPushFormIsAuditedAsItArrived() {
        let pairs: [(PushForm, AuditEvent.Form)] = [(.patchValue, .patchValue), (.patchPath, .patchPath), (.put, .put),
                                                   (.patchResource, .patchResource), (.postPlaceholder, .postPlaceholder)]
        for (wire, audited) in pairs { XCTAssertEqual(SCIMUserMapping.form(wire), audited) }
    }
}
