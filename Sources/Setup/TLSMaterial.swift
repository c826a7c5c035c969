#if canImport(Glibc)
import Glibc
#endif
import Crypto
import FoundationEssentials
import SwiftASN1
import X509
import _CryptoExtras

/// The server's TLS key with a signing request for the admin's CA and, for a lab, a self-signed
/// certificate. Pure values: the caller decides where they go and who may read them.
package struct TLSMaterial: Sendable {
    package enum KeyType: String, CaseIterable, Sendable {
        /// RSA 3072: what every enterprise CA template and ACME CA signs.
        case rsa
        /// ECDSA P-256: smaller and faster, where the CA accepts it.
        case ecdsa
    }

    /// The label a lab certificate carries in its subject, so nobody mistakes it for a real one.
    package static let selfSignedLabel = "pwsync lab certificate - self-signed - not trusted by Okta"

    package let privateKeyPEM: String
    package let signingRequestPEM: String
    /// Only when asked for: valid for 90 days from `now`.
    package let selfSignedPEM: String?

    package init(hostname: String, keyType: KeyType, selfSigned: Bool, now: Date = Date()) throws {
        let key: Certificate.PrivateKey
        let algorithm: Certificate.SignatureAlgorithm
        switch keyType {
        case .rsa:
            key = Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits3072))
            algorithm = .sha256WithRSAEncryption
        case .ecdsa:
            key = Certificate.PrivateKey(P256.Signing.PrivateKey())
            algorithm = .ecdsaWithSHA256
        }
        let name = Self.generalName(hostname)
        let subject = try DistinguishedName { CommonName(hostname) }
        let request = try CertificateSigningRequest(
            version: .v1, subject: subject, privateKey: key,
            attributes: .init([.init(try ExtensionRequest(extensions: Certificate.Extensions { SubjectAlternativeNames([name]) }))]),
            signatureAlgorithm: algorithm)
        privateKeyPEM = try key.serializeAsPEM().pemString
        signingRequestPEM = try request.serializeAsPEM().pemString
        guard selfSigned else {
            selfSignedPEM = nil
            return
        }
        let labelled = try DistinguishedName {
            OrganizationName(Self.selfSignedLabel)
            CommonName(hostname)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(90 * 86_400),
            issuer: labelled, subject: labelled, signatureAlgorithm: algorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: keyType == .rsa))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([name])
            },
            issuerPrivateKey: key)
        selfSignedPEM = try certificate.serializeAsPEM().pemString
    }

    /// An IP address as such (a certificate for a bare address names it as iPAddress), else a DNS name.
    static func generalName(_ host: String) -> GeneralName {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v4) { ArraySlice($0) }))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v6) { ArraySlice($0) }))
        }
        return .dnsName(host)
    }
}
