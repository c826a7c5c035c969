import Directory
import Foundation
import LDAP
import LDAPBackedDirectory
import LDAPSyntax
import Secrets
import TestSupport
import XCTest

/// Groups against the real slapd (scripts/fixture-slapd makes ou=groups, which pwsync manages, and
/// ou=other-groups with one group outside it). Every step is proven by a read of its own.
final class LiveGroupTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    func directory(_ f: Fixture) throws -> LDAPDirectory {
        var settings = LDAPDirectoryConfiguration(
            kind: .openLDAP, servers: [f.options()], account: .password(dn: f.bindDN, password: try f.bindPassword()),
            userBase: f.userBase, userNameAttributes: [f.userNameAttribute], poolSize: 2, poolWait: .seconds(5))
        settings.groups = GroupSettings(base: f["GROUP_BASE"])
        return LDAPDirectory(settings)
    }

    /// The raw values of a group's member attribute, read by the service account itself.
    func rawMembers(_ f: Fixture, _ dn: String) async throws -> [String] {
        let c = try await LDAPConnection.connect(f.options())
        try await c.simpleBind(dn: f.bindDN, password: try f.bindPassword())
        let entries = try await c.search(base: dn, scope: .base, filter: .any, attributes: ["member"])
        await c.close()
        return (entries.first?.values("member") ?? []).map { String(decoding: $0, as: UTF8.self) }
    }

    func testAGroupsLifeOnOpenLDAP() async throws {
        let f = try Fixture.load(.openldap)
        XCTAssertFalse(f["GROUP_BASE"].isEmpty, "scripts/fixture-slapd writes GROUP_BASE")
        let d = try directory(f)
        let (alice, bob, carol, dave) = (f.userDN("alice"), f.userDN("bob"), f.userDN("carol"), f.userDN("dave"))
        let name = "Sales (EMEA)* \(UUID().uuidString.prefix(8))"

        // Create: an empty group, its placeholder hidden.
        let created = try await d.createGroup(named: name)
        XCTAssertNotNil(ObjectGUID.parseUUID(created.id))
        XCTAssertEqual(created.name, name)
        XCTAssertEqual(created.members, [])
        XCTAssertTrue(created.dn.lowercased().hasSuffix(f["GROUP_BASE"].lowercased()))
        let placeholderOnly = try await rawMembers(f, created.dn)
        XCTAssertEqual(placeholderOnly, [""], "groupOfNames needs a member: the empty DN stands in")
        do {
            _ = try await d.createGroup(named: name.uppercased())
            XCTFail("a second group of the same name")
        } catch {
            XCTAssertEqual(error.reason, .alreadyExists)
        }
        let byName = try await d.groups(named: name.lowercased(), withMembers: false)
        XCTAssertEqual(byName.map(\.id), [created.id], "found by name, case-insensitively, the * taken literally")
        let byID = try await d.group(id: created.id, withMembers: true)
        XCTAssertEqual(byID?.members, [])

        // Members: value-level adds; the placeholder goes with the first real member.
        var g = try await XCTUnwrapAsync(try await d.group(id: created.id, withMembers: true))
        try await d.apply(MembershipPlan(current: g.members ?? [], [.add([alice, bob])]), to: g)
        let afterAdd = try await rawMembers(f, created.dn)
        XCTAssertEqual(Set(afterAdd.map { $0.lowercased() }), [alice.lowercased(), bob.lowercased()])

        // Another admin adds carol; Okta's replace is [alice, dave]: carol leaves only because
        // Okta's list lacks her, and nothing else of the group changes.
        let admin = try await LDAPConnection.connect(f.options())
        try await admin.simpleBind(dn: f.bindDN, password: try f.bindPassword())
        try await admin.modify(dn: created.dn, [LDAPModification(.add, "member", [.string(carol)])])
        await admin.close()
        g = try await XCTUnwrapAsync(try await d.group(id: created.id, withMembers: true))
        XCTAssertEqual(Set(g.members ?? []), [alice, bob, carol])
        let replace = MembershipPlan(current: g.members ?? [], [.replace([alice, dave])])
        XCTAssertEqual(Set(replace.add), [dave])
        XCTAssertEqual(Set(replace.remove), [bob, carol])
        try await d.apply(replace, to: g)
        g = try await XCTUnwrapAsync(try await d.group(id: created.id, withMembers: true))
        XCTAssertEqual(Set(g.members ?? []), [alice, dave])
        XCTAssertEqual(g.name, name)

        // Okta resends: nothing to write.
        XCTAssertTrue(MembershipPlan(current: g.members ?? [], [.add([alice]), .remove([bob])]).isEmpty)

        // Empty again: the placeholder comes back in the same modify.
        try await d.apply(MembershipPlan(current: g.members ?? [], [.replace([])]), to: g)
        let emptied = try await rawMembers(f, created.dn)
        XCTAssertEqual(emptied, [""])
        g = try await XCTUnwrapAsync(try await d.group(id: created.id, withMembers: true))
        XCTAssertEqual(g.members, [])

        // Rename: a ModifyDN; the id stays.
        let newName = "Sales Global \(UUID().uuidString.prefix(8))"
        let renamed = try await d.renameGroup(g, to: newName)
        XCTAssertEqual(renamed.id, created.id)
        XCTAssertEqual(renamed.name, newName)
        XCTAssertTrue(renamed.dn.lowercased().hasPrefix("cn=sales global"), renamed.dn)
        let oldName = try await d.groups(named: name, withMembers: false)
        XCTAssertEqual(oldName, [])
        // A comma in the name is escaped in the RDN; the renamed group is still found and read.
        let commaName = "Sales, Global \(UUID().uuidString.prefix(8))"
        let withComma = try await d.renameGroup(renamed, to: commaName)
        XCTAssertEqual(withComma.id, created.id)
        XCTAssertEqual(withComma.name, commaName)
        XCTAssertTrue(withComma.dn.lowercased().hasSuffix(f["GROUP_BASE"].lowercased()), withComma.dn)
        let byCommaName = try await d.groups(named: commaName, withMembers: false)
        XCTAssertEqual(byCommaName.map(\.id), [created.id])

        // A group outside the base is not there for pwsync, and stays as it was.
        let outsideBefore = try await rawMembers(f, f["OUTSIDE_GROUP_DN"])
        XCTAssertEqual(outsideBefore.map { $0.lowercased() }, [alice.lowercased()])
        let outsideByName = try await d.groups(named: "Outside", withMembers: false)
        XCTAssertEqual(outsideByName, [])
        let all = try await d.groups(named: nil, withMembers: false)
        XCTAssertFalse(all.contains { $0.dn.lowercased() == f["OUTSIDE_GROUP_DN"].lowercased() })

        // Delete.
        try await d.deleteGroup(withComma)
        let gone = try await d.group(id: created.id, withMembers: false)
        XCTAssertNil(gone)
        let outsideAfter = try await rawMembers(f, f["OUTSIDE_GROUP_DN"])
        XCTAssertEqual(outsideAfter, outsideBefore)
        await d.shutdown()
    }
}
