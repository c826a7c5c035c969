import Setup
import SwiftASN1
import X509
import XCTest

final class TLSMaterialTests: XCTestCase {
    func testKeyCSRAndLabCertificateBelongTogether() throws {
        for type in TLSMaterial.KeyType.allCases {
            let m = try TLSMaterial(hostname: "pwsync.corp.example.com", keyType: type, selfSigned: true)
            let key = try Certificate.PrivateKey(pemEncoded: m.privateKeyPEM)
            let csr = try CertificateSigningRequest(pemEncoded: m.signingRequestPEM)
            let cert = try Certificate(pemEncoded: XCTUnwrap(m.selfSignedPEM))
            XCTAssertEqual(csr.publicKey, key.publicKey, "\(type)")
            XCTAssertEqual(cert.publicKey, key.publicKey, "\(type)")
            XCTAssertTrue(csr.publicKey.isValidSignature(csr.signature, for: csr), "\(type): the CSR's signature")
            XCTAssertTrue(cert.publicKey.isValidSignature(cert.signature, for: cert), "\(type): self-signed")
            XCTAssertEqual(try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames, SubjectAlternativeNames([.dnsName("pwsync.corp.example.com")]))
            XCTAssertEqual(try cert.extensions.subjectAlternativeNames, SubjectAlternativeNames([.dnsName("pwsync.corp.example.com")]))
            XCTAssertEqual(try cert.extensions.extendedKeyUsage, try ExtendedKeyUsage([.serverAuth]))
            XCTAssertEqual(try cert.extensions.basicConstraints, .notCertificateAuthority)
            XCTAssertTrue(cert.subject.description.contains(TLSMaterial.selfSignedLabel), cert.subject.description)
            XCTAssertLessThanOrEqual(cert.notValidAfter.timeIntervalSince(cert.notValidBefore), 91 * 86_400)
        }
    }

    func testAnAddressIsNamedAsOne() throws {
        let m = try TLSMaterial(hostname: "192.0.2.7", keyType: .ecdsa, selfSigned: true)
        let cert = try Certificate(pemEncoded: XCTUnwrap(m.selfSignedPEM))
        XCTAssertEqual(try cert.extensions.subjectAlternativeNames, SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [192, 0, 2, 7]))]))
    }

    func testWithoutALabCertificateOnlyTheKeyAndCSR() throws {
        let a = try TLSMaterial(hostname: "pwsync.corp.example.com", keyType: .ecdsa, selfSigned: false)
        let b = try TLSMaterial(hostname: "pwsync.corp.example.com", keyType: .ecdsa, selfSigned: false)
        XCTAssertNil(a.selfSignedPEM)
        XCTAssertNotEqual(a.privateKeyPEM, b.privateKeyPEM)
    }
}
