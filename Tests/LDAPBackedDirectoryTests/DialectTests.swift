import Directory
import LDAP
@testable import LDAPBackedDirectory
import LDAPSyntax
import Secrets
import XCTest

/// Each dialect's pure parts, without a server: account-status reading, attribute encoding and
/// result mapping. The live suite proves the same dialects against slapd and Samba.
final class ActiveDirectoryDialectTests: XCTestCase {
    let ad = ActiveDirectoryDialect(userNameAttributes: ["userPrincipalName", "sAMAccountName"], options: .init())
    /// `0f4e9a1c-…` as AD stores it: the first three fields little-endian.
    let guidBytes: [UInt8] = [0x1c, 0x9a, 0x4e, 0x0f, 0x34, 0x12, 0x78, 0x56, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44]
    let guid = "0f4e9a1c-1234-5678-9abc-def011223344"

    func entry(uac: String) -> LDAPEntry {
        LDAPEntry(dn: "CN=Jane,OU=Synced,DC=x", attributes: [
            "userprincipalname": [Array("jane@x.test".utf8)], "objectguid": [guidBytes],
            "useraccountcontrol": [Array(uac.utf8)], "displayname": [Array("Jane D".utf8)],
        ])
    }

    func testAccountStatusIsTheDisableBitOnly() throws {
        let enabled = try XCTUnwrap(ad.user(from: entry(uac: "512")))
        XCTAssertTrue(enabled.active)
        XCTAssertEqual(enabled.id, guid)
        XCTAssertEqual(enabled.userName, "jane@x.test")
        XCTAssertFalse(try XCTUnwrap(ad.user(from: entry(uac: "514"))).active)
        XCTAssertTrue(try XCTUnwrap(ad.user(from: entry(uac: String(0x10200)))).active, "DONT_EXPIRE_PASSWORD is not disabled")
        XCTAssertNil(ad.user(from: LDAPEntry(dn: "CN=x", attributes: ["userprincipalname": [Array("x".utf8)]])), "no objectGUID: not a user")
        XCTAssertEqual(ActiveDirectoryDialect.accountControl(0x10200, enabled: false), 0x10202)
        XCTAssertEqual(ActiveDirectoryDialect.accountControl(0x10202, enabled: true), 0x10200)
    }

    func testIdFilterIsTheEscapedBinaryGUID() {
        XCTAssertEqual(ad.idFilter(guid)?.text, #"(objectGUID=\1c\9a\4e\0f\34\12\78\56\9a\bc\de\f0\11\22\33\44)"#)
        XCTAssertNil(ad.idFilter("*)(objectClass=*"))
    }

    func testAddRequestCarriesQuotedUTF16PasswordAndDisabledFlag() throws {
        let new = NewUser(userName: "Jane.Doe+x@corp.test", givenName: "Jane", familyName: "Doe", active: false)
        let (dn, mods) = try XCTUnwrap(try ad.addRequest(new, password: Secret("Pä1"), base: "OU=New,DC=corp", attempt: 0))
        XCTAssertEqual(dn, #"CN=Jane.Doe\+x@corp.test,OU=New,DC=corp"#)
        func value(_ name: String) -> [UInt8]? {
            guard case .bytes(let b)? = mods.first(where: { $0.attribute == name })?.values.first else { return nil }
            return b
        }
        XCTAssertEqual(value("sAMAccountName").map { String(decoding: $0, as: UTF8.self) }, "Jane.Doex", "UPN local part without + ")
        XCTAssertEqual(value("userPrincipalName").map { String(decoding: $0, as: UTF8.self) }, new.userName)
        XCTAssertEqual(value("userAccountControl").map { String(decoding: $0, as: UTF8.self) }, "514")
        guard case .secret(let pwd)? = mods.first(where: { $0.attribute == "unicodePwd" })?.values.first else { return XCTFail("no unicodePwd") }
        XCTAssertEqual(pwd.withUnsafeBytes { Array($0) }, [0x22, 0, 0x50, 0, 0xe4, 0, 0x31, 0, 0x22, 0])
    }

    func testSamAccountNameUserNamesAreCheckedNotCut() {
        let sam = ActiveDirectoryDialect(userNameAttributes: ["sAMAccountName"], options: .init())
        XCTAssertEqual(try sam.samAccountName(for: "jdoe"), "jdoe")
        XCTAssertThrowsError(try sam.samAccountName(for: "jane.doe@corp.test")) { XCTAssertEqual(($0 as? DirectoryFailure)?.reason, .invalidAttribute) }
        XCTAssertThrowsError(try sam.samAccountName(for: String(repeating: "a", count: 21)))
        XCTAssertNil(try sam.samAccountName(for: "jdoe", attempt: 1), "no second choice when the userName is the account name")
    }

    /// Okta's SPEC users: two long email userNames whose local parts share their first 20 characters.
    func testTakenNamesGetADeterministicSuffix() throws {
        XCTAssertEqual(try ad.samAccountName(for: "Runscope496Djhhgppri999@atko.com"), "Runscope496Djhhgppri")
        XCTAssertEqual(try ad.samAccountName(for: "Runscope496Djhhgppri999@atko.com", attempt: 1), "Runscope496Djhhgppr2")
        XCTAssertEqual(try ad.samAccountName(for: "Runscope496Djhhgppri999@atko.com", attempt: 11), "Runscope496Djhhgpp12")
        XCTAssertEqual(try ad.samAccountName(for: "jdoe"), "jdoe", "a valid account name is used as it is")
        let new = NewUser(userName: "Runscope496Djhhgppri999@atko.com")
        let second = try XCTUnwrap(try ad.addRequest(new, password: Secret("x"), base: "OU=S,DC=x", attempt: 1))
        XCTAssertEqual(second.dn, "CN=Runscope496Djhhgppri999@atko.com 2,OU=S,DC=x")
        XCTAssertNil(try ad.addRequest(new, password: Secret("x"), base: "OU=S,DC=x", attempt: ActiveDirectoryDialect.maxNameAttempts))
    }

    func testResetModifyAndPolicyHints() throws {
        let mods = ad.passwordModifications(Secret("x"))
        XCTAssertEqual(mods.map(\.attribute), ["unicodePwd", "pwdLastSet"])
        XCTAssertEqual(mods.map(\.operation), [.replace, .replace])
        let leave = ActiveDirectoryDialect(userNameAttributes: ["sAMAccountName"], options: .init(pwdLastSet: .leave))
        XCTAssertEqual(leave.passwordModifications(Secret("x")).map(\.attribute), ["unicodePwd"])

        XCTAssertEqual(try ad.policyHints(supported: [ActiveDirectoryDialect.policyHintsOID])?.oid, ActiveDirectoryDialect.policyHintsOID)
        XCTAssertEqual(try ad.policyHints(supported: [ActiveDirectoryDialect.policyHintsDeprecatedOID])?.critical, true)
        XCTAssertNil(try ad.policyHints(supported: []), "best effort: reset without history")
        let strict = ActiveDirectoryDialect(userNameAttributes: ["sAMAccountName"], options: .init(history: .require))
        XCTAssertThrowsError(try strict.policyHints(supported: [])) { XCTAssertEqual(($0 as? DirectoryFailure)?.reason, .historyNotEnforceable) }
    }

    /// With policy hints, AD's 0000052D may be the history (the current password included), so
    /// it is marked for the one bind that tells; without them the DC checked no history.
    func testARefusalUnderPolicyHintsMayBeTheCurrentPassword() async throws {
        let refusal = LDAPResultMapping.failure(LDAPError(kind: .result(.unwillingToPerform), operation: "modify", diagnostic: "0000052D: x"), dialect: ad,
                                                server: "ldaps://dc1:636")
        XCTAssertFalse(refusal.refusedAsReused, "the mapping alone cannot say")
        let user = DirectoryUser(id: guid, dn: "CN=Jane,OU=Synced,DC=x", userName: "jane@x.test")
        for (controls, reused) in [([ActiveDirectoryDialect.policyHintsOID], true), ([], false)] {
            do {
                _ = try await ad.setPassword(of: user, to: Secret("Okta!pass1"), in: RefusingSession(controls: Set(controls), failure: refusal))
                XCTFail("refused")
            } catch {
                XCTAssertEqual(error.refusedAsReused, reused, "controls \(controls)")
                XCTAssertEqual(error.reason, .policyViolation)
            }
        }
    }

    func testResultMapping() {
        func map(_ code: Int32, _ diag: String? = nil, _ action: DirectoryAction = .setPassword) -> DirectoryFailure {
            LDAPResultMapping.failure(LDAPError(kind: .result(LDAPResultCode(code)), operation: "modify", diagnostic: diag), dialect: ad,
                                      server: "ldaps://dc1:636", action: action)
        }
        XCTAssertEqual(map(19, "0000052D: Constraint violation - check_password_restrictions").reason, .policyViolation)
        XCTAssertEqual(map(53, "0000052D: x").reason, .policyViolation)
        XCTAssertEqual(map(19, "00000524: x").reason, .alreadyExists)
        XCTAssertEqual(map(53, "0000001F: SvcErr").reason, .insecureConnection)
        XCTAssertEqual(map(12).reason, .historyNotEnforceable)
        XCTAssertEqual(map(32).reason, .userNotFound)
        let rights = map(50, nil, .setActive)
        XCTAssertEqual(rights.reason, .insufficientRights)
        XCTAssertTrue(rights.detail.contains("userAccountControl"), rights.detail)
        XCTAssertFalse(rights.detail.contains("pwdAccountLockedTime"), "no OpenLDAP advice on AD")
        let down = map(-1)
        XCTAssertTrue(down.isTransient)
        XCTAssertTrue(down.detail.contains("ldaps://dc1:636"))
        XCTAssertFalse(map(53, "0000001F: secret diagnostic text").detail.contains("secret"), "the server's text never passes")
    }
}

final class OpenLDAPDialectTests: XCTestCase {
    let ol = OpenLDAPDialect(userNameAttributes: ["uid"])

    func testAccountStatusIsTheLock() throws {
        var attrs: [String: [[UInt8]]] = ["uid": [Array("carol".utf8)], "entryuuid": [Array("AB0C1D2E-0000-4000-8000-000000000001".utf8)],
                                          "cn": [Array("Carol C".utf8)]]
        let open = try XCTUnwrap(ol.user(from: LDAPEntry(dn: "uid=carol,ou=people", attributes: attrs)))
        XCTAssertTrue(open.active)
        XCTAssertEqual(open.id, "ab0c1d2e-0000-4000-8000-000000000001")
        XCTAssertEqual(open.displayName, "Carol C", "cn stands in for a missing displayName")
        attrs["pwdaccountlockedtime"] = [Array(OpenLDAPDialect.permanentLock.utf8)]
        XCTAssertFalse(try XCTUnwrap(ol.user(from: LDAPEntry(dn: "uid=carol,ou=people", attributes: attrs))).active)
        XCTAssertEqual(OpenLDAPDialect.lockModification(locked: true).operation, .replace)
        XCTAssertEqual(OpenLDAPDialect.lockModification(locked: false).operation, .delete)
    }

    /// entryCSN (microseconds, and a counter) tells two changes in one second apart; pwdChangedTime cannot.
    func testTheChangeMarkerIsTheEntryCSN() throws {
        let attrs: [String: [[UInt8]]] = ["uid": [Array("carol".utf8)], "entryuuid": [Array("AB0C1D2E-0000-4000-8000-000000000001".utf8)],
                                          "pwdchangedtime": [Array("20261207120000Z".utf8)],
                                          "entrycsn": [Array("20261207120000.123456Z#000000#000#000000".utf8)]]
        let u = try XCTUnwrap(ol.user(from: LDAPEntry(dn: "uid=carol,ou=people", attributes: attrs)))
        XCTAssertEqual(u.changeMarker, "20261207120000.123456Z#000000#000#000000")
        XCTAssertEqual(u.passwordChangedAt, 1_796_644_800, "rotation still reads pwdChangedTime")
        XCTAssertTrue(ol.userAttributes.contains("entryCSN"))
    }

    func testIdFilterIsCanonicalAndRefusesNonUUIDs() {
        XCTAssertEqual(ol.idFilter("AB0C1D2E-0000-4000-8000-000000000001")?.text, "(entryUUID=ab0c1d2e-0000-4000-8000-000000000001)")
        XCTAssertNil(ol.idFilter("*"))
    }

    func testAddRequestWithMailAsUserName() throws {
        let mail = OpenLDAPDialect(userNameAttributes: ["mail"])
        let (dn, mods) = try XCTUnwrap(try mail.addRequest(NewUser(userName: "dan@x.test", familyName: "Dee"), password: Secret("pw"), base: "ou=people,dc=x", attempt: 0))
        XCTAssertNil(try mail.addRequest(NewUser(userName: "dan@x.test"), password: Secret("pw"), base: "ou=people,dc=x", attempt: 1))
        XCTAssertEqual(dn, "mail=dan@x.test,ou=people,dc=x")
        XCTAssertEqual(mods.map(\.attribute), ["objectClass", "uid", "cn", "sn", "mail", "userPassword"])
        guard case .bytes(let uid)? = mods[1].values.first else { return XCTFail() }
        XCTAssertEqual(String(decoding: uid, as: UTF8.self), "dan")
        XCTAssertThrowsError(try ol.addRequest(NewUser(userName: "x"), password: Secret(bytes: [0xff]), base: "ou=p", attempt: 0)) {
            XCTAssertEqual(($0 as? DirectoryFailure)?.reason, .invalidPassword)
        }
    }

    func testResultMappingReadsPPolicyCodes() {
        func map(_ code: Int32, pp: Int32?) -> DirectoryFailure {
            LDAPResultMapping.failure(LDAPError(kind: .result(LDAPResultCode(code)), operation: "password modify", passwordPolicyError: pp.flatMap(PasswordPolicyError.init(rawValue:))),
                                      dialect: ol, server: "ldaps://ldap:636")
        }
        XCTAssertTrue(map(19, pp: 8).detail.contains("history"))
        XCTAssertTrue(map(19, pp: 8).refusedAsReused, "in history, or equal to the current password")
        XCTAssertTrue(map(19, pp: 6).detail.contains("too short"))
        XCTAssertFalse(map(19, pp: 6).refusedAsReused)
        XCTAssertEqual(map(19, pp: nil).reason, .policyViolation)
        XCTAssertEqual(map(49, pp: nil).reason, .serviceBindFailed)
        XCTAssertTrue(map(49, pp: nil).isTransient)
        let rights = LDAPResultMapping.failure(LDAPError(kind: .result(.insufficientAccessRights), operation: "x"), dialect: ol, server: "s", action: .setPassword)
        XCTAssertTrue(rights.detail.contains("userPassword"), rights.detail)
        XCTAssertEqual(LDAPResultMapping.failure(LDAPError(kind: .insecureConnection, operation: "x"), dialect: ol, server: "s").reason,
                       .insecureConnection)
    }

    /// Each first-class attribute has its own directory attribute in each dialect, and is read.
    func testEveryFirstClassAttributeIsMappedAndRead() {
        let ad = ActiveDirectoryDialect(userNameAttributes: ["userPrincipalName"], options: .init())
        let ol = OpenLDAPDialect(userNameAttributes: ["uid"])
        XCTAssertEqual(UserAttribute.allCases.map(ad.attribute), ["objectGUID", "userPrincipalName", "mail", "givenName", "sn", "displayName"])
        XCTAssertEqual(UserAttribute.allCases.map(ol.attribute), ["entryUUID", "uid", "mail", "givenName", "sn", "displayName"])
        for d in [ad as any DirectoryDialect, ol] {
            for a in UserAttribute.allCases { XCTAssertTrue(d.userAttributes.contains(d.attribute(a)), "\(a) is read") }
        }
        let e = LDAPEntry(dn: "uid=ada,ou=people", attributes: [
            "uid": [Array("ada".utf8)], "entryuuid": [Array("ab0c1d2e-0000-4000-8000-000000000001".utf8)],
            "givenname": [Array("Ada".utf8)], "sn": [Array("Lovelace".utf8)], "mail": [Array("ada@x.test".utf8)],
        ])
        let u = ol.user(from: e)
        XCTAssertEqual(u?.givenName, "Ada")
        XCTAssertEqual(u?.familyName, "Lovelace")
        XCTAssertEqual(u?.email, "ada@x.test")
    }

    func testTheConfiguredKindPicksTheDialect() {
        func dialect(_ kind: DirectoryKind) -> any DirectoryDialect {
            LDAPDirectory.dialect(for: LDAPDirectoryConfiguration(kind: kind, servers: [], account: .password(dn: "", password: Secret("x")),
                                                                  userBase: "", userNameAttributes: ["uid"], poolSize: 1, poolWait: .seconds(1)))
        }
        XCTAssertTrue(dialect(.activeDirectory) is ActiveDirectoryDialect)
        XCTAssertTrue(dialect(.openLDAP) is OpenLDAPDialect)
    }
}

/// A session whose every operation fails with `failure`.
struct RefusingSession: LDAPSession {
    let controls: Set<String>
    let failure: DirectoryFailure

    func run<T: Sendable>(_ action: DirectoryAction, _ body: @Sendable (LDAPConnection) async throws -> T) async throws(DirectoryFailure) -> T {
        throw failure
    }

    func writeAndReadBack(_ action: DirectoryAction, dn: String, stampBefore: String?,
                          _ write: @Sendable (isolated LDAPConnection) throws -> Void) async throws(DirectoryFailure) -> DirectoryUser? {
        throw failure
    }

    func modifyBetweenMarkers(_ action: DirectoryAction, dn: String, _ modifications: [LDAPModification]) async throws(DirectoryFailure) -> MarkerMove {
        throw failure
    }

    func supportedControls() async throws(DirectoryFailure) -> Set<String> { controls }
}
