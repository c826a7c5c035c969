import Foundation
import NIOHTTP1
import LDAP
import Secrets
import TestSupport
import XCTest

/// Plays Okta against a real `pwsync serve` over HTTPS, with real slapd and Samba AD DC behind it:
/// the SCIM 2.0 SPEC test steps, then the lifecycle of each app kind (OIN 2.0 PATCH, AIW 2.0 PUT,
/// OIN 1.1 PATCH, provisioning agent 1.1 PUT). Every password push is proven by an LDAP bind.
final class OktaLifecycleTests: XCTestCase, @unchecked Sendable {
    override class func setUp() { LDAPLibrary.initializeOnMainThread() }

    static let errorSchema = ["urn:ietf:params:scim:api:messages:2.0:Error"]

    func testOpenLDAP() async throws { try await run(.openldap) }
    func testActiveDirectory() async throws { try await run(.samba) }

    /// A pwsync with account creation on, and (on AD) userName mapped to userPrincipalName so
    /// Okta's `name@domain` userNames fit.
    func start(_ f: Fixture, sealed: Bool = false) async throws -> PwsyncProcess {
        let p = try PwsyncProcess(fixture: f, logLevel: "debug")
        if sealed { p.verificationKey = try p.enableSealing() }
        if f.kind == "active_directory" {
            try p.editConfig(replacing: "user_name_attribute = \"sAMAccountName\"", with: "user_name_attribute = \"userPrincipalName\"")
        }
        try p.appendConfig("""
            [provisioning]
            create_users = true
            create_base = "\(f["CREATE_BASE"])"
            """)
        try await p.start()
        return p
    }

    func newUserDN(_ f: Fixture, _ userName: String) -> String {
        f.kind == "active_directory" ? "CN=\(userName),\(f["CREATE_BASE"])" : "uid=\(userName),\(f["CREATE_BASE"])"
    }

    func run(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try await start(f, sealed: true)
        var pushed: [String] = []
        do {
            try await specSteps(p)
            for kind in AppKind.allCases {
                pushed += try await lifecycle(kind, p, f)
            }
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }, for: pushed), [])
        // Sealing was on for the whole flow: every record verifies with the key printed at keygen.
        let vk = try XCTUnwrap(p.verificationKey)
        let verify = try PwsyncProcess.run(PwsyncProcess.binary, ["audit", "verify", "--log", p.auditPath, "--key", vk])
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertTrue(verify.output.contains("records verified with the key"), verify.output)
        let records = try String(contentsOfFile: p.auditPath, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(records.allSatisfy { $0.contains("\"mac\":\"") }, "every record is sealed")
    }

    func assertError(_ r: PwsyncProcess.Reply, _ status: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, "\(what): \(String(decoding: r.body, as: UTF8.self))", file: file, line: line)
        XCTAssertEqual(r.json["schemas"] as? [String], Self.errorSchema, what, file: file, line: line)
        XCTAssertEqual(r.json["status"] as? String, String(status), what, file: file, line: line)
        XCTAssertFalse((r.json["detail"] as? String ?? "").isEmpty, what, file: file, line: line)
    }

    /// Okta-SCIM-20-SPEC-Test.json, step by step.
    func specSteps(_ p: PwsyncProcess) async throws {
        let s0 = try await p.request(.GET, "/scim/v2/Users?count=1&startIndex=1")
        XCTAssertEqual(s0.status, 200)
        XCTAssertEqual(s0.json["schemas"] as? [String], ["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        for k in ["itemsPerPage", "startIndex", "totalResults"] { XCTAssertNotNil(s0.json[k] as? Int, k) }
        let first = try XCTUnwrap((s0.json["Resources"] as? [[String: Any]])?.first)
        let id = try XCTUnwrap(first["id"] as? String)
        XCTAssertFalse((first["userName"] as? String ?? "").isEmpty)
        XCTAssertNotNil(first["active"] as? Bool)
        XCTAssertFalse(((first["name"] as? [String: Any])?["givenName"] as? String ?? "").isEmpty)
        XCTAssertFalse(((first["name"] as? [String: Any])?["familyName"] as? String ?? "").isEmpty)
        XCTAssertFalse(((first["emails"] as? [[String: Any]])?.first?["value"] as? String ?? "").isEmpty)

        let s2 = try await p.request(.GET, "/scim/v2/Users/\(id)")
        XCTAssertEqual(s2.status, 200)
        XCTAssertEqual(s2.json["id"] as? String, id)
        XCTAssertEqual(s2.json["userName"] as? String, first["userName"] as? String)

        for q in ["userName%20eq%20%22abcdefgh%40atko.com%22", "userName+eq+%22Runscope\(Int.random(in: 100...999))zz%40atko.com%22"] {
            let r = try await p.request(.GET, "/scim/v2/Users?filter=\(q)")
            XCTAssertEqual(r.status, 200)
            XCTAssertEqual(r.json["totalResults"] as? Int, 0)
        }
        assertError(try await p.request(.GET, "/scim/v2/Users/010101001010101011001010101011"), 404, "step 6")

        let userName = "Runscope\(Int.random(in: 100...999))Doe@atko.test"
        let post = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(userName)","name":{"familyName":"Doe","givenName":"Runscope"},"emails":[{"primary":true,"value":"\#(userName)","type":"work"}],"displayName":"Runscope Doe","active":true}"#
        let s10 = try await p.request(.POST, "/scim/v2/Users", body: post, contentType: "application/json")
        XCTAssertEqual(s10.status, 201, String(decoding: s10.body, as: UTF8.self))
        let newID = try XCTUnwrap(s10.json["id"] as? String)
        XCTAssertEqual(s10.json["active"] as? Bool, true)
        XCTAssertEqual(s10.json["userName"] as? String, userName)
        XCTAssertEqual((s10.json["name"] as? [String: Any])?["familyName"] as? String, "Doe")
        XCTAssertTrue((s10.json["schemas"] as? [String])?.contains("urn:ietf:params:scim:schemas:core:2.0:User") ?? false)

        let s12 = try await p.request(.GET, "/scim/v2/Users/\(newID)")
        XCTAssertEqual(s12.status, 200)
        XCTAssertEqual(s12.json["userName"] as? String, userName)
        XCTAssertEqual((s12.json["name"] as? [String: Any])?["givenName"] as? String, "Runscope")

        assertError(try await p.request(.POST, "/scim/v2/Users", body: post, contentType: "application/json"), 409, "step 14")

        let upper = userName.uppercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let s16 = try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22\(upper)%22")
        XCTAssertEqual(s16.status, 200)
        XCTAssertEqual((s16.json["Resources"] as? [[String: Any]])?.first?["id"] as? String, newID)

        let s18 = try await p.request(.GET, "/scim/v2/Groups")
        XCTAssertEqual(s18.status, 200)
        XCTAssertEqual(s18.json["totalResults"] as? Int, 0)

        assertError(try await p.request(.GET, "/scim/v2/Users?filter=userName%20eq%20%22x%22", auth: .header("non-token")), 401, "step 20")
        assertError(try await p.request(.GET, "/scim/v2/Users/00919288221112222"), 404, "step 22")
    }

    func testHostileInputsOpenLDAP() async throws { try await hostile(.openldap) }
    func testHostileInputsActiveDirectory() async throws { try await hostile(.samba) }

    /// Malformed and hostile requests: each a 4xx with a SCIM error body, and nothing written.
    func hostile(_ name: Fixture.Name) async throws {
        let f = try Fixture.load(name)
        let p = try PwsyncProcess(fixture: f, logLevel: "debug")
        try await p.start()
        let canary = Canary.make("h")
        do {
            let found = try await p.lookup("carol")
            let id = try XCTUnwrap(found)
            let patch = "/scim/v2/Users/\(id)"
            func body(_ ops: String, schema: String = "urn:ietf:params:scim:api:messages:2.0:PatchOp") -> String {
                #"{"schemas":["\#(schema)"],"Operations":\#(ops)}"#
            }
            let good = #"[{"op":"replace","value":{"password":"\#(canary)"}}]"#
            let cases: [(String, Int, String?, PwsyncProcess.Reply)] = [
                ("broken JSON", 400, "invalidSyntax", try await p.request(.PATCH, patch, body: #"{"schemas":["#)),
                ("JSON array", 400, "invalidSyntax", try await p.request(.PATCH, patch, body: "[1,2]")),
                ("wrong schema", 400, "invalidSyntax", try await p.request(.PATCH, patch, body: body(good, schema: "urn:ietf:params:scim:schemas:core:2.0:User"))),
                ("unknown op", 400, "invalidSyntax", try await p.request(.PATCH, patch, body: body(#"[{"op":"merge","value":{"password":"\#(canary)"}}]"#))),
                ("password not a string", 400, "invalidValue", try await p.request(.PATCH, patch, body: body(#"[{"op":"replace","path":"password","value":12345678}]"#))),
                ("active not a boolean", 400, "invalidValue", try await p.request(.PATCH, patch, body: body(#"[{"op":"replace","value":{"active":1}}]"#))),
                ("empty operations", 400, "invalidSyntax", try await p.request(.PATCH, patch, body: body("[]"))),
                ("huge body", 413, nil, try await p.request(.PATCH, patch, body: body(good).replacingOccurrences(of: "\"Operations\"", with: "\"pad\":\"\(String(repeating: "A", count: 70_000))\",\"Operations\""))),
                ("wrong content type", 415, nil, try await p.request(.PATCH, patch, body: body(good), contentType: "text/plain")),
                ("form content type", 415, nil, try await p.request(.PATCH, patch, body: "password=\(canary)", contentType: "application/x-www-form-urlencoded")),
                ("unknown id", 404, nil, try await p.request(.PATCH, "/scim/v2/Users/0badf00d-0000-4000-8000-000000000000", body: body(good))),
                ("id as a name", 404, nil, try await p.request(.PATCH, "/scim/v2/Users/carol", body: body(good))),
                ("id as a DN", 404, nil, try await p.request(.PATCH, "/scim/v2/Users/\(f.userDN("carol").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", body: body(good))),
                ("id in braces", 404, nil, try await p.request(.GET, "/scim/v2/Users/%7B\(id)%7D")),
                ("no credentials", 401, nil, try await p.request(.PATCH, patch, body: body(good), auth: .none)),
                ("unsupported filter operator", 400, "invalidFilter", try await p.request(.GET, "/scim/v2/Users?filter=userName%20co%20%22a%22")),
                ("filter on an unknown attribute", 400, "invalidFilter", try await p.request(.GET, "/scim/v2/Users?filter=title%20eq%20%22x%22")),
                ("unbalanced filter", 400, "invalidFilter", try await p.request(.GET, "/scim/v2/Users?filter=(userName%20eq%20%22carol%22")),
                ("bare filter value", 400, "invalidFilter", try await p.request(.GET, "/scim/v2/Users?filter=carol")),
                ("bad startIndex", 400, "invalidValue", try await p.request(.GET, "/scim/v2/Users?startIndex=abc")),
                ("DELETE a user", 405, nil, try await p.request(.DELETE, patch)),
            ]
            for (what, status, scimType, r) in cases {
                assertError(r, status, what)
                if let scimType { XCTAssertEqual(r.json["scimType"] as? String, scimType, what) }
            }
            // Injection attempts inside a filter value are matched literally: no user, never everyone.
            for value in ["*", "carol)(uid=*", "*)(|(objectClass=*", "carol\\00", "carol\\2a", "c\u{e5}rol", "carol\u{0}"] {
                let q = "userName eq \"\(value)\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let r = try await p.request(.GET, "/scim/v2/Users?filter=\(q)")
                XCTAssertTrue(r.status == 200 || r.status == 400, "\(value): \(r.status)")
                if r.status == 200 { XCTAssertEqual(r.json["totalResults"] as? Int, 0, value) } else { assertError(r, 400, value) }
            }
        } catch {
            try? await p.stop()
            throw error
        }
        try await p.stop()
        let bind = try await f.bindResult(dn: f.userDN("carol"), password: Secret(canary))
        XCTAssertEqual(bind, 49, "no hostile request may have set the password")
        let applied = try String(contentsOfFile: p.auditPath, encoding: .utf8).split(separator: "\n").filter { $0.contains("\"applied\"") }
        XCTAssertEqual(applied.count, 0)
        XCTAssertEqual(Canary.scan(files: Canary.files(under: p.state).filter { !$0.hasSuffix(".key") }, for: [canary]), [])
    }

    enum AppKind: String, CaseIterable {
        case oin20Patch, aiw20Put, oin11Patch, opp11Put
        var base: String { self == .oin20Patch || self == .aiw20Put ? "/scim/v2" : "/scim/v1" }
        var schema: String { base == "/scim/v2" ? "urn:ietf:params:scim:schemas:core:2.0:User" : "urn:scim:schemas:core:1.0" }
        var contentType: String { base == "/scim/v2" ? "application/scim+json; charset=utf-8" : "application/json; charset=utf-8" }
    }

    func json(_ o: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: o)) ?? Data(), as: UTF8.self)
    }

    /// One app kind's full lifecycle on a user it creates. Returns every password it pushed.
    func lifecycle(_ kind: AppKind, _ p: PwsyncProcess, _ f: Fixture) async throws -> [String] {
        let userName = "\(kind.rawValue.prefix(6))\(Int.random(in: 1000...9999))@atko.test"
        let dn = newUserDN(f, userName)
        let ctx = "\(kind.rawValue) on \(f.kind)"
        var pushed: [String] = []
        func send(_ method: HTTPMethodName, _ path: String, _ body: [String: Any]? = nil) async throws -> PwsyncProcess.Reply {
            try await p.request(method.nio, kind.base + path, body: body.map(json), contentType: kind.contentType)
        }
        func bind(_ pw: String) async throws -> Int32 { try await f.bindResult(dn: dn, password: Secret(pw)) }

        // Existence check, in both encodings Okta uses, finds nothing; then create with the placeholder.
        for q in ["userName%20eq%20%22\(userName)%22", "userName+eq+%22\(userName.replacingOccurrences(of: "@", with: "%40"))%22"] {
            let r = try await send(.GET, "/Users?filter=\(q)&startIndex=1&count=100")
            XCTAssertEqual(r.status, 200, ctx)
            XCTAssertEqual(r.json["totalResults"] as? Int, 0, ctx)
        }
        let placeholder = "q8v2" + Canary.make().suffix(6).lowercased()
        pushed.append(placeholder)
        var profile: [String: Any] = [
            "schemas": [kind.schema], "userName": userName, "externalId": "00u\(Int.random(in: 100000...999999))",
            "name": ["givenName": "Jane", "familyName": "Doe"], "displayName": "Jane Doe",
            "emails": [["value": userName, "type": "work", "primary": true]], "locale": "en-US", "groups": [Any](), "active": true,
        ]
        var create = profile
        create["password"] = placeholder
        let created = try await send(.POST, "/Users", create)
        XCTAssertEqual(created.status, 201, "\(ctx): \(String(decoding: created.body, as: UTF8.self))")
        XCTAssertNil(created.json["password"], ctx)
        let id = try XCTUnwrap(created.json["id"] as? String, ctx)
        let placeholderBind = try await bind(placeholder)
        XCTAssertEqual(placeholderBind, 49, "\(ctx): the POST placeholder must not become the password")
        let found = try await send(.GET, "/Users?filter=userName+eq+%22\(userName)%22&startIndex=1&count=100")
        XCTAssertEqual((found.json["Resources"] as? [[String: Any]])?.first?["id"] as? String, id, ctx)

        // Password push in this app's form(s); each proven by a bind, the previous one refused.
        var current = ""
        func push(_ method: HTTPMethodName, _ body: (String) -> [String: Any]) async throws {
            let pw = Canary.make(String(kind.rawValue.prefix(3)))
            pushed.append(pw)
            let r = try await send(method, "/Users/\(id)", body(pw))
            XCTAssertEqual(r.status, 200, "\(ctx): \(String(decoding: r.body, as: UTF8.self))")
            XCTAssertNil(r.json["password"], ctx)
            let ok = try await bind(pw)
            XCTAssertEqual(ok, 0, "\(ctx): the pushed password must bind")
            if !current.isEmpty {
                let old = try await bind(current)
                XCTAssertEqual(old, 49, "\(ctx): the previous password must not bind")
            }
            current = pw
        }
        var got = try await send(.GET, "/Users/\(id)")
        profile = got.json
        func setActive(_ active: Bool) async throws {
            let r: PwsyncProcess.Reply
            switch kind {
            case .oin20Patch:
                r = try await send(.PATCH, "/Users/\(id)", ["schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                            "Operations": [["op": "replace", "value": ["active": active]]]])
            case .oin11Patch:
                r = try await send(.PATCH, "/Users/\(id)", ["schemas": [kind.schema], "id": id, "active": active])
            case .aiw20Put, .opp11Put:
                var doc = profile
                doc["active"] = active
                if kind == .opp11Put { doc["password"] = current }  // the agent sends the password on every PUT
                r = try await send(.PUT, "/Users/\(id)", doc)
            }
            XCTAssertEqual(r.status, 200, "\(ctx): \(String(decoding: r.body, as: UTF8.self))")
            XCTAssertEqual(r.json["active"] as? Bool, active, ctx)
            let read = try await send(.GET, "/Users/\(id)")
            XCTAssertEqual(read.status, 200, "\(ctx): a deactivated user stays readable")
            XCTAssertEqual(read.json["active"] as? Bool, active, ctx)
            let b = try await bind(current)
            XCTAssertEqual(b, active ? 0 : 49, "\(ctx): active=\(active) must \(active ? "allow" : "refuse") the bind")
        }

        switch kind {
        case .oin20Patch:
            try await push(.PATCH) { ["schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                      "Operations": [["op": "replace", "value": ["password": $0]]]] }
            try await push(.PATCH) { ["schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                      "Operations": [["op": "Replace", "path": "password", "value": $0]]] }
        case .oin11Patch:
            try await push(.PATCH) { ["schemas": [kind.schema], "id": id, "password": $0] }
        case .aiw20Put, .opp11Put:
            try await push(.PUT) { pw in var d = profile; d["password"] = pw; return d }
            // A profile PUT without password changes nothing about the password.
            var d = profile
            d["displayName"] = "Jane Q. Doe"
            let r = try await send(.PUT, "/Users/\(id)", d)
            XCTAssertEqual(r.status, 200, ctx)
            let still = try await bind(current)
            XCTAssertEqual(still, 0, "\(ctx): a PUT without password must leave it alone")
        }
        if kind == .opp11Put {
            // The agent reads its capabilities first.
            let config = try await send(.GET, "/ServiceProviderConfigs")
            XCTAssertEqual((config.json["changePassword"] as? [String: Any])?["supported"] as? Bool, true, ctx)
        }
        try await setActive(false)
        try await setActive(true)
        got = try await send(.GET, "/Users/\(id)")
        XCTAssertEqual(got.json["userName"] as? String, userName, ctx)
        return pushed
    }
}

/// The verbs the tests use, mapped to NIO's.
enum HTTPMethodName {
    case GET, POST, PUT, PATCH
    var nio: NIOHTTP1.HTTPMethod {
        switch self {
        case .GET: return .GET
        case .POST: return .POST
        case .PUT: return .PUT
        case .PATCH: return .PATCH
        }
    }
}
