import AsyncHTTPClient
import Foundation
import LDAP
import NIOHTTP1
import Secrets
import TestSupport
import XCTest
import LDAPSyntax

/// Okta's flows on a default config (create_users on, everything else as shipped), against both
/// directories: the SPEC sequences for SCIM 2.0 and 1.1, and the round-two defects, each proved by
/// a bind or a directory read.
final class OktaRoundTwoTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }
    static let errorSchema = ["urn:ietf:params:scim:api:messages:2.0:Error"]

    /// The generated config minus its user_name_attribute line (so the defaults apply), plus creation.
    func start(_ f: Fixture, extra: String = "") async throws -> PwsyncProcess {
        let p = try PwsyncProcess(fixture: f, logLevel: "debug")
        try p.enableCreation(extra)
        try await p.start()
        return p
    }

    func run(_ f: Fixture, extra: String = "", _ body: (PwsyncProcess) async throws -> Void) async throws {
        let p = try await start(f, extra: extra)
        do { try await body(p) } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
    }

    func audit(_ p: PwsyncProcess) throws -> [[String: Any]] {
        try String(contentsOfFile: p.auditPath, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func assertError(_ r: PwsyncProcess.Reply, _ status: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, "\(what): \(String(decoding: r.body, as: UTF8.self))", file: file, line: line)
        XCTAssertEqual(r.json["schemas"] as? [String], Self.errorSchema, what, file: file, line: line)
        XCTAssertEqual(r.json["status"] as? String, String(status), what, file: file, line: line)
        XCTAssertFalse((r.json["detail"] as? String ?? "").isEmpty, what, file: file, line: line)
    }

    static func runscope() -> (userName: String, family: String) {
        let n = Int.random(in: 100...999)
        // As in Okta's SPEC runs (Runscope496Djhhgppri999@atko.com): a local part over 20 characters.
        let family = String((0..<12).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement()! }).capitalized
        return ("Runscope\(n)\(family)@atko.com", family)
    }

    // MARK: SPEC sequences

    func testSCIM20SpecOnOpenLDAP() async throws { try await spec20(.openldap) }
    func testSCIM20SpecOnActiveDirectory() async throws { try await spec20(.samba) }
    func testSCIM11SpecOnOpenLDAP() async throws { try await spec11(.openldap) }
    func testSCIM11SpecOnActiveDirectory() async throws { try await spec11(.samba) }

    /// Okta-SCIM-20-SPEC-Test.json on a default config.
    func spec20(_ name: Fixture.Name) async throws {
        try await run(try Fixture.load(name)) { p in
            let s0 = try await p.request(.GET, "/scim/v2/Users?count=1&startIndex=1")
            XCTAssertEqual(s0.status, 200)
            for k in ["itemsPerPage", "startIndex", "totalResults"] { XCTAssertNotNil(s0.json[k] as? Int, k) }
            let first = try XCTUnwrap((s0.json["Resources"] as? [[String: Any]])?.first)
            let id = try XCTUnwrap(first["id"] as? String)
            XCTAssertFalse((first["userName"] as? String ?? "").isEmpty)
            let s2 = try await p.request(.GET, "/scim/v2/Users/\(id)")
            XCTAssertEqual(s2.status, 200)
            XCTAssertEqual(s2.json["id"] as? String, id)
            let _h1 = try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22abcdefgh%40atko.com%22").json["totalResults"] as? Int
            XCTAssertEqual(_h1, 0)
            assertError(try await p.request(.GET, "/scim/v2/Users/010101001010101011001010101011"), 404, "step 6")

            let (userName, family) = Self.runscope()
            let q = userName.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let _h2 = try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22\(q)%22").json["totalResults"] as? Int
            XCTAssertEqual(_h2, 0)
            let create = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(userName)","name":{"givenName":"Runscope","familyName":"\#(family)"},"emails":[{"primary":true,"value":"\#(userName)","type":"work"}],"displayName":"Runscope \#(family)","active":true}"#
            let s10 = try await p.request(.POST, "/scim/v2/Users", body: create, contentType: "application/json")
            XCTAssertEqual(s10.status, 201, String(decoding: s10.body, as: UTF8.self))
            let newID = try XCTUnwrap(s10.json["id"] as? String)
            XCTAssertEqual(s10.json["userName"] as? String, userName, "an email userName is echoed as the userName")
            XCTAssertEqual(s10.json["active"] as? Bool, true)
            XCTAssertEqual((s10.json["name"] as? [String: Any])?["familyName"] as? String, family)
            XCTAssertTrue((s10.json["schemas"] as? [String])?.contains("urn:ietf:params:scim:schemas:core:2.0:User") ?? false)
            let s12 = try await p.request(.GET, "/scim/v2/Users/\(newID)")
            XCTAssertEqual(s12.json["userName"] as? String, userName)
            let meta = try XCTUnwrap(s12.json["meta"] as? [String: Any])
            XCTAssertEqual(meta["location"] as? String, "https://127.0.0.1:\(p.port)/scim/v2/Users/\(newID)", "meta.location is absolute")
            XCTAssertNotNil(meta["created"] as? String)
            XCTAssertNotNil(meta["lastModified"] as? String)
            assertError(try await p.request(.POST, "/scim/v2/Users", body: create, contentType: "application/json"), 409, "step 14")
            let upper = userName.uppercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let s16 = try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22\(upper)%22")
            XCTAssertEqual(s16.status, 200)
            XCTAssertEqual(s16.json["totalResults"] as? Int, 1, "userName matching is case-insensitive")
            let _h3 = try await p.request(.GET, "/scim/v2/Groups").status
            XCTAssertEqual(_h3, 200)
            assertError(try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22\(q)%22", auth: .header("non-token")), 401, "step 20")
            assertError(try await p.request(.GET, "/scim/v2/Users/00919288221112222"), 404, "step 22")

            // Another SPEC user whose first 20 characters are the same: a free account name is chosen.
            let local = String(userName.split(separator: "@")[0])
            let twin = String(local.prefix(20)) + "Twin@atko.com"
            let s10b = try await p.request(.POST, "/scim/v2/Users", body: create.replacingOccurrences(of: userName, with: twin), contentType: "application/json")
            XCTAssertEqual(s10b.status, 201, String(decoding: s10b.body, as: UTF8.self))
            XCTAssertNotEqual(s10b.json["id"] as? String, newID)
            XCTAssertEqual(s10b.json["userName"] as? String, twin)
            if name == .samba {
                let created = try audit(p).filter { $0["action"] as? String == "create" && $0["event"] as? String == "applied" }
                XCTAssertEqual(created.map { $0["account_name"] as? String }, [String(local.prefix(20)), String(local.prefix(19)) + "2"],
                               "the audit log records which account name each got")
            }
        }
    }

    /// Okta-SCIM-11-SPEC-Test.json on a default config.
    func spec11(_ name: Fixture.Name) async throws {
        try await run(try Fixture.load(name)) { p in
            let core = "urn:scim:schemas:core:1.0"
            let spc = try await p.request(.GET, "/scim/v1/ServiceProviderConfigs")
            XCTAssertEqual(spc.status, 200)
            XCTAssertTrue((spc.json["schemas"] as? [String])?.contains(core) ?? false)
            for k in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] { XCTAssertNotNil((spc.json[k] as? [String: Any])?["supported"], k) }
            let scheme = try XCTUnwrap((spc.json["authenticationSchemes"] as? [[String: Any]])?.first)
            XCTAssertNotNil(scheme["type"]); XCTAssertNotNil(scheme["description"])
            let caps = (spc.json["urn:okta:schemas:scim:providerconfig:1.0"] as? [String: Any])?["userManagementCapabilities"] as? [String]
            XCTAssertEqual(caps, ["PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"],
                           "creation on, profile mapping off: exactly what this config does")
            let _h4 = try await p.request(.POST, "/scim/v1/ServiceProviderConfigs", body: "{}").status
            XCTAssertEqual(_h4, 405)
            let rt = try await p.request(.GET, "/scim/v1/ResourceTypes")
            XCTAssertTrue((rt.json["schemas"] as? [String])?.contains(core) ?? false)
            let r0 = try XCTUnwrap((rt.json["Resources"] as? [[String: Any]])?.first)
            for k in ["name", "endpoint", "schema"] { XCTAssertNotNil(r0[k], k) }
            let _h5 = try await p.request(.POST, "/scim/v1/ResourceTypes", body: "{}").status
            XCTAssertEqual(_h5, 405)
            let sc = try await p.request(.GET, "/scim/v1/Schemas")
            XCTAssertTrue((sc.json["schemas"] as? [String])?.contains("urn:scim:schemas:core:1.0:ListResponse") ?? false)
            let sc0 = try XCTUnwrap((sc.json["Resources"] as? [[String: Any]])?.first)
            XCTAssertNotNil(sc0["id"]); XCTAssertNotNil(sc0["attributes"])
            let _h6 = try await p.request(.POST, "/scim/v1/Schemas", body: "{}").status
            XCTAssertEqual(_h6, 405)

            let s12 = try await p.request(.GET, "/scim/v1/Users?count=1&startIndex=1")
            XCTAssertTrue((s12.json["schemas"] as? [String])?.contains(core) ?? false)
            let first = try XCTUnwrap((s12.json["Resources"] as? [[String: Any]])?.first)
            let id = try XCTUnwrap(first["id"] as? String)
            let _h7 = try await p.request(.GET, "/scim/v1/Users/\(id)").json["id"] as? String
            XCTAssertEqual(_h7, id)
            let miss = try await p.request(.GET, "/scim/v1/Users?filter=userName%20eq%20%22abcdefgh%40atko.com%22")
            XCTAssertEqual(miss.json["totalResults"] as? Int, 0)
            let s18 = try await p.request(.GET, "/scim/v1/Users/010101001010101011001010101011")
            XCTAssertEqual(s18.status, 404)
            XCTAssertFalse((s18.json["detail"] as? String ?? "").isEmpty, "step 18 reads a top-level detail")
            XCTAssertNotNil((s18.json["Errors"] as? [[String: Any]])?.first?["description"])

            let (userName, family) = Self.runscope()
            let create = #"{"schemas":["\#(core)"],"userName":"\#(userName)","name":{"givenName":"Runscope","familyName":"\#(family)"},"emails":[{"primary":true,"value":"\#(userName)","type":"work"}],"active":true}"#
            let s22 = try await p.request(.POST, "/scim/v1/Users", body: create, contentType: "application/json")
            XCTAssertEqual(s22.status, 201, String(decoding: s22.body, as: UTF8.self))
            XCTAssertTrue((s22.json["schemas"] as? [String])?.contains(core) ?? false)
            XCTAssertEqual(s22.json["userName"] as? String, userName)
            let newID = try XCTUnwrap(s22.json["id"] as? String)
            let _h8 = try await p.request(.GET, "/scim/v1/Users/\(newID)").json["userName"] as? String
            XCTAssertEqual(_h8, userName)
            let dup = try await p.request(.POST, "/scim/v1/Users", body: create, contentType: "application/json")
            XCTAssertEqual(dup.status, 409)
            XCTAssertFalse((dup.json["detail"] as? String ?? "").isEmpty)
            let _h9 = try await p.request(.GET, "/scim/v1/Users?filter=\(userName.uppercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").status
            XCTAssertEqual(_h9, 400)
            let _h10 = try await p.request(.GET, "/scim/v1/Groups").status
            XCTAssertEqual(_h10, 200)
        }
    }

    // MARK: Round-two defects

    func testDeactivatedAccountStaysDeactivatedOnOpenLDAP() async throws { try await deactivateThenPush(.openldap) }
    func testDeactivatedAccountStaysDeactivatedOnActiveDirectory() async throws { try await deactivateThenPush(.samba) }

    /// Deactivate, push a password, GET, bind: still disabled, and the password was set (it binds
    /// once the account is reactivated).
    func deactivateThenPush(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let pw = Canary.make("d")
        try await run(f) { p in
            let id = try await self.create(p, "deact")
            let off = try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#)
            XCTAssertEqual(off.json["active"] as? Bool, false)
            let push = try await p.pushPassword(id: id, pw)
            XCTAssertEqual(push.status, 200)
            XCTAssertEqual(push.json["active"] as? Bool, false, "the answer tells the truth")
            let _h11 = try await p.request(.GET, "/scim/v2/Users/\(id)").json["active"] as? Bool
            XCTAssertEqual(_h11, false)
            let userDN = try self.dn(p, id)
            let _h12 = try await f.bindResult(dn: userDN, password: Secret(pw))
            XCTAssertEqual(_h12, 49, "a disabled account does not bind")
            if name == .openldap {
                let applied = try self.audit(p).last { $0["action"] as? String == "set_password" && $0["event"] as? String == "applied" }
                XCTAssertEqual(applied?["kept_disabled"] as? Bool, true)
            }
            let on = try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}"#)
            XCTAssertEqual(on.json["active"] as? Bool, true)
            let _h13 = try await f.bindResult(dn: userDN, password: Secret(pw))
            XCTAssertEqual(_h13, 0, "the pushed password was written")
        }
    }

    func testOutOfBandResetIsNotMistakenForARepeatOnOpenLDAP() async throws { try await outOfBand(.openldap) }
    func testOutOfBandResetIsNotMistakenForARepeatOnActiveDirectory() async throws { try await outOfBand(.samba) }

    /// PUT A, a helpdesk resets to B in the directory, Okta PUTs A again: A is written again.
    func outOfBand(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let a = Canary.make("a"), b = Canary.make("b")
        try await run(f) { p in
            let id = try await self.create(p, "oob")
            var doc = try await p.request(.GET, "/scim/v2/Users/\(id)").json
            doc["password"] = a
            let body = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
            let _h14 = try await p.request(.PUT, "/scim/v2/Users/\(id)", body: body).status
            XCTAssertEqual(_h14, 200)
            let _h15 = try await p.request(.PUT, "/scim/v2/Users/\(id)", body: body).status
            XCTAssertEqual(_h15, 200)
            let dn = try self.dn(p, id)
            // The directory's change records have one-second resolution (pwdChangedTime): a real
            // helpdesk reset is never within the same second as Okta's push.
            try await Task.sleep(for: .milliseconds(1100))
            try await Self.helpdeskReset(f, dn: dn, to: b)
            let _h16 = try await f.bindResult(dn: dn, password: Secret(b))
            XCTAssertEqual(_h16, 0)
            let again = try await p.request(.PUT, "/scim/v2/Users/\(id)", body: body)
            let outcomes = try self.audit(p).filter { $0["action"] as? String == "set_password" && $0["event"] as? String != "push_received" }
                .map { $0["outcome"] as? String }
            if name == .openldap {
                // Written, not skipped; slapd's ppolicy keeps A in its history and says so: a clear 400
                // (Okta shows the admin the task), and B still works.
                XCTAssertEqual(again.status, 400)
                XCTAssertTrue((again.json["detail"] as? String ?? "").contains("history"), String(decoding: again.body, as: UTF8.self))
                XCTAssertEqual(outcomes, ["success", "unchanged", "failure"])
                let stillB = try await f.bindResult(dn: dn, password: Secret(b))
                XCTAssertEqual(stillB, 0)
            } else {
                XCTAssertEqual(again.status, 200)
                let bindA = try await f.bindResult(dn: dn, password: Secret(a))
                XCTAssertEqual(bindA, 0, "Okta's password is the one in the directory again")
                XCTAssertEqual(outcomes, ["success", "unchanged", "success"])
            }
        }
        XCTAssertEqual(Canary.scan(files: [], for: [a, b]), [])
    }

    func testControlCharacterPasswordIsRefusedOnOpenLDAP() async throws { try await controlCharacter(.openldap) }
    func testControlCharacterPasswordIsRefusedOnActiveDirectory() async throws { try await controlCharacter(.samba) }

    func controlCharacter(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        try await run(f) { p in
            let id = try await self.create(p, "nul")
            let r = try await p.request(.PATCH, "/scim/v2/Users/\(id)",
                                        body: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"Abc\u0000Def!123"}}]}"#)
            self.assertError(r, 400, "NUL in a password")
            XCTAssertEqual(r.json["scimType"] as? String, "invalidValue")
            XCTAssertTrue((r.json["detail"] as? String ?? "").contains("control character"))
            let events = try self.audit(p).filter { $0["action"] as? String == "set_password" }
            XCTAssertEqual(events.map { $0["event"] as? String }, ["rejected"], "refused before the directory: no push_received")
            let _h19 = try await f.bindResult(dn: try self.dn(p, id), password: Secret("Abc"))
            XCTAssertEqual(_h19, 49)
        }
    }

    func testAttributesMetaAndDiscoveryOnOpenLDAP() async throws { try await attributesAndMeta(.openldap) }
    func testAttributesMetaAndDiscoveryOnActiveDirectory() async throws { try await attributesAndMeta(.samba) }

    func attributesAndMeta(_ name: Fixture.Name) async throws {
        try await run(try Fixture.load(name)) { p in
            let id = try await self.create(p, "attrs")
            for base in ["/scim/v2", "/scim/v1"] {
                let ex = try await p.request(.GET, "\(base)/Users/\(id)?excludedAttributes=name,emails")
                XCTAssertNil(ex.json["name"], base); XCTAssertNil(ex.json["emails"], base)
                XCTAssertNotNil(ex.json["userName"], base)
                let only = try await p.request(.GET, "\(base)/Users?filter=userName%20eq%20%22\(try XCTUnwrap(ex.json["userName"] as? String).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)%22&attributes=userName")
                let r = try XCTUnwrap((only.json["Resources"] as? [[String: Any]])?.first, base)
                XCTAssertEqual(Set(r.keys), ["id", "schemas", "userName"], base)
                let got = try await p.request(.GET, "\(base)/Users/\(id)")
                let meta = try XCTUnwrap(got.json["meta"] as? [String: Any])
                XCTAssertEqual(meta["location"] as? String, "https://127.0.0.1:\(p.port)\(base)/Users/\(id)")
                XCTAssertNotNil(meta["created"]); XCTAssertNotNil(meta["lastModified"])
            }
            let patched = try await p.request(.PATCH, "/scim/v2/Users/\(id)?attributes=active",
                                              body: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}"#)
            XCTAssertEqual(Set(patched.json.keys), ["id", "schemas", "active"], "write responses honour attributes too")
        }
    }

    func testProfileMappingOffAndOnOpenLDAP() async throws { try await profile(.openldap) }
    func testProfileMappingOffAndOnActiveDirectory() async throws { try await profile(.samba) }

    func profile(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let patch = { (ops: String) in #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":\#(ops)}"# }
        // Off (the default): 200, nothing written, recorded as ignored.
        try await run(f) { p in
            let id = try await self.create(p, "prof")
            let r = try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: patch(#"[{"op":"replace","path":"title","value":"CFO"}]"#))
            XCTAssertEqual(r.status, 200)
            XCTAssertNil(r.json["title"])
            let ignored = try self.audit(p).last { $0["reason"] as? String == "profile_ignored" }
            XCTAssertEqual(ignored?["attributes"] as? [String], ["title"])
            let _h20 = try await Self.read(f, dn: try self.dn(p, id), "title")
            XCTAssertNil(_h20)
        }
        // On: written in a modify of its own, answered with the new value; a value the directory refuses is a 400.
        try await run(f, extra: """
            [provisioning.attributes]
            title = "title"
            "phoneNumbers[type eq \\"work\\"].value" = "telephoneNumber"
            """) { p in
            let spc = try await p.request(.GET, "/scim/v1/ServiceProviderConfigs")
            let caps = (spc.json["urn:okta:schemas:scim:providerconfig:1.0"] as? [String: Any])?["userManagementCapabilities"] as? [String] ?? []
            XCTAssertTrue(caps.contains("PUSH_PROFILE_UPDATES"))
            let id = try await self.create(p, "prof2")
            let r = try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: patch(#"[{"op":"replace","path":"title","value":"Chief Financial Officer"}]"#))
            XCTAssertEqual(r.status, 200, String(decoding: r.body, as: UTF8.self))
            XCTAssertEqual(r.json["title"] as? String, "Chief Financial Officer")
            let _h21 = try await Self.read(f, dn: try self.dn(p, id), "title")
            XCTAssertEqual(_h21, "Chief Financial Officer")
            // Not a printable string (OpenLDAP's syntax), and over AD's 64-character limit.
            let refused = "é" + String(repeating: "5", count: 100)
            let bad = try await p.request(.PATCH, "/scim/v2/Users/\(id)",
                                          body: patch(#"[{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":"\#(refused)"}]"#))
            self.assertError(bad, 400, "refused profile value")
            XCTAssertTrue((bad.json["detail"] as? String ?? "").contains("profile"), bad.json["detail"] as? String ?? "")
            let written = try self.audit(p).filter { $0["action"] as? String == "update_profile" && $0["event"] as? String == "applied" }
            XCTAssertEqual(written.count, 1)
        }
    }

    func testAUserNameTwoEntriesAnswerToIsAConflictOnOpenLDAP() async throws { try await twoOwners(.openldap) }
    func testAUserNameTwoEntriesAnswerToIsAConflictOnActiveDirectory() async throws { try await twoOwners(.samba) }

    /// One account's userName is another's mail: the userName names no one for sure (OpenLDAP's
    /// default attributes are uid then mail; on AD mail is added to the list for this test).
    func twoOwners(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try PwsyncProcess(fixture: f, logLevel: "debug")
        try p.editConfig(replacing: "user_name_attribute = \"\(f.userNameAttribute)\"\n",
                         with: name == .samba ? "user_name_attribute = [\"userPrincipalName\", \"sAMAccountName\", \"mail\"]\n" : "")
        try p.appendConfig("[provisioning]\ncreate_users = true\ncreate_base = \"\(f["CREATE_BASE"])\"\n")
        try await p.start()
        do {
            let suffix = String(Int.random(in: 1000...9999))
            let first = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dup\#(suffix)","name":{"givenName":"D","familyName":"Up"}}"#
            let made = try await p.request(.POST, "/scim/v2/Users", body: first)
            XCTAssertEqual(made.status, 201, String(decoding: made.body, as: UTF8.self))
            let other = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"other\#(suffix)@atko.com","name":{"givenName":"O","familyName":"Ther"},"emails":[{"value":"dup\#(suffix)","primary":true}]}"#
            let made2 = try await p.request(.POST, "/scim/v2/Users", body: other)
            XCTAssertEqual(made2.status, 201, String(decoding: made2.body, as: UTF8.self))
            let r = try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22dup\(suffix)%22")
            self.assertError(r, 409, "two owners")
            XCTAssertEqual(r.json["scimType"] as? String, "uniqueness")
            let detail = r.json["detail"] as? String ?? ""
            let byName = name == .samba ? "by sAMAccountName" : "by uid"
            XCTAssertTrue(detail.contains(byName) && detail.contains("by mail"), detail)
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
    }

    func testQueuedPushesReadTheAccountWhenTheirTurnComesOnOpenLDAP() async throws { try await queued(.openldap) }
    func testQueuedPushesReadTheAccountWhenTheirTurnComesOnActiveDirectory() async throws { try await queued(.samba) }

    /// Ten deactivations of one account at once: each reads the account inside the per-user lock,
    /// so one writes and the others find it already disabled.
    func queued(_ name: Fixture.Name) async throws {
        try await run(try Fixture.load(name)) { p in
            let id = try await self.create(p, "queue")
            let body = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 { group.addTask { try await p.request(.PATCH, "/scim/v2/Users/\(id)", body: body).status } }
                var all: [Int] = []
                for try await s in group { all.append(s) }
                return all
            }
            XCTAssertEqual(statuses, Array(repeating: 200, count: 10))
            let writes = try self.audit(p).filter { $0["action"] as? String == "deactivate" && $0["event"] as? String == "applied" }
            XCTAssertEqual(writes.count, 1, "one deactivation written, not ten")
        }
    }

    // MARK: Helpers

    /// Creates a user through pwsync (an email userName, as Okta sends) and returns its id.
    func create(_ p: PwsyncProcess, _ local: String) async throws -> String {
        let userName = "\(local)\(Int.random(in: 1000...9999))@atko.com"
        let body = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(userName)","name":{"givenName":"T","familyName":"User"},"emails":[{"value":"\#(userName)","primary":true,"type":"work"}],"active":true}"#
        let r = try await p.request(.POST, "/scim/v2/Users", body: body)
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        return try XCTUnwrap(r.json["id"] as? String)
    }

    /// The DN pwsync recorded for the account.
    func dn(_ p: PwsyncProcess, _ id: String) throws -> String {
        try XCTUnwrap(try audit(p).last { $0["user_id"] as? String == id && $0["dn"] != nil }?["dn"] as? String
                      ?? audit(p).last { $0["action"] as? String == "create" && $0["event"] as? String == "applied" }?["dn"] as? String)
    }

    /// A reset made in the directory itself, as a helpdesk tool would (the service account's rights).
    static func helpdeskReset(_ f: Fixture, dn: String, to password: String) async throws {
        let c = try await LDAPConnection.connect(f.options())
        try await c.simpleBind(dn: f.bindDN, password: try f.bindPassword())
        if f.kind == "openldap" {
            try await c.passwordModify(userDN: dn, newPassword: Secret(password))
        } else {
            try await c.modify(dn: dn, [LDAPModification(.replace, "unicodePwd", [.secret(try XCTUnwrap(Secret(password).activeDirectoryUnicodePwd()))])])
        }
        await c.close()
    }

    static func read(_ f: Fixture, dn: String, _ attribute: String) async throws -> String? {
        let c = try await LDAPConnection.connect(f.options())
        try await c.simpleBind(dn: f.bindDN, password: try f.bindPassword())
        let e = try await c.search(base: dn, scope: .base, filter: .any, attributes: [attribute])
        await c.close()
        return e.first?.string(attribute)
    }
}
