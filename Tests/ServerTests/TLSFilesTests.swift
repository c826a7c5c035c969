import Foundation
@testable import Server
import XCTest

/// check-config and serve read the certificate file as Okta's client will: key first-certificate
/// match, chain order, and missing intermediates. Certificates are made here with openssl.
final class TLSFilesTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "tlsfiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try sh("""
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Test Root" -keyout root.key -out root.pem \
              -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Test Intermediate" -keyout int.key -out int.csr
            printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign\\n' > int.ext
            openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 -extfile int.ext -out int.pem
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=pwsync.test" -keyout leaf.key -out leaf.csr
            printf 'basicConstraints=CA:FALSE\\nsubjectAltName=DNS:pwsync.test\\n' > leaf.ext
            openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 60 -extfile leaf.ext -out leaf.pem
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=other" -keyout other.key -out other.csr
            cat leaf.pem int.pem > good.pem; cat int.pem leaf.pem > reversed.pem
            """)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func sh(_ script: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-ec", script]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "openssl failed")
    }

    func check(_ cert: String, _ key: String) -> [TLSFiles.Finding] {
        TLSFiles.check(certificatePath: "\(dir!)/\(cert)", privateKeyPath: "\(dir!)/\(key)")
    }

    func testAGoodChainHasNoFinding() {
        XCTAssertEqual(check("good.pem", "leaf.key"), [])
    }

    func testWrongOrderIsAnError() {
        let f = check("reversed.pem", "leaf.key")
        XCTAssertTrue(f.contains { $0.level == .error && $0.message.contains("first") }, "\(f)")
    }

    func testAKeyThatIsNotTheCertificatesIsAnError() {
        let f = check("good.pem", "other.key")
        XCTAssertEqual(f.map(\.key), ["server.tls_private_key"])
        XCTAssertEqual(f.first?.level, .error)
    }

    func testALeafWithoutItsIntermediateIsAWarning() {
        let f = check("leaf.pem", "leaf.key")
        XCTAssertEqual(f.map(\.level), [.warning])
        XCTAssertTrue(f.first?.message.contains("intermediates") ?? false)
    }

    func testACertificateNearExpiryIsAWarningAndAnExpiredOneAnError() {
        let soon = TLSFiles.check(certificatePath: "\(dir!)/good.pem", privateKeyPath: "\(dir!)/leaf.key", now: Date().addingTimeInterval(45 * 86_400))
        XCTAssertTrue(soon.contains { $0.level == .warning && $0.message.contains("expires") }, "\(soon)")
        let late = TLSFiles.check(certificatePath: "\(dir!)/good.pem", privateKeyPath: "\(dir!)/leaf.key", now: Date().addingTimeInterval(90 * 86_400))
        XCTAssertTrue(late.contains { $0.level == .error && $0.message.contains("expired") }, "\(late)")
    }
}
