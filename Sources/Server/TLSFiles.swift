import FoundationEssentials
import SwiftASN1
import X509

/// Checks the HTTPS certificate file and key the way a careful admin would before Okta sees them:
/// the key belongs to the first certificate, the chain is in order (server certificate first, each
/// one issued by the next), nothing is expired or not yet valid, and intermediates are present.
package enum TLSFiles {
    package struct Finding: Sendable, Equatable, CustomStringConvertible {
        package enum Level: String, Sendable { case error, warning }
        package var level: Level
        /// The config key the finding is about.
        package var key: String
        package var message: String
        package var description: String { "\(key): \(message)" }
    }

    /// `labSubject`: the words a lab certificate carries in its subject (`pwsync init --self-signed`), to warn about.
    package static func check(certificatePath: String, privateKeyPath: String, labSubject: String? = nil, now: Date = Date()) -> [Finding] {
        let certKey = "server.tls_certificate", keyKey = "server.tls_private_key"
        func failure(_ k: String, _ m: String) -> Finding { .init(level: .error, key: k, message: m) }
        guard let certText = try? String(contentsOfFile: certificatePath, encoding: .utf8) else {
            return [failure(certKey, "cannot read \(certificatePath)")]
        }
        let chain: [Certificate]
        do {
            chain = try PEMDocument.parseMultiple(pemString: certText).filter { $0.discriminator == "CERTIFICATE" }
                .map { try Certificate(derEncoded: $0.derBytes) }
        } catch {
            return [failure(certKey, "\(certificatePath) is not a PEM certificate chain")]
        }
        guard let leaf = chain.first else { return [failure(certKey, "\(certificatePath) holds no certificate")] }
        var findings: [Finding] = []
        if let keyText = try? String(contentsOfFile: privateKeyPath, encoding: .utf8), let key = try? Certificate.PrivateKey(pemEncoded: keyText) {
            if key.publicKey != leaf.publicKey {
                findings.append(failure(keyKey, "this key does not belong to the first certificate in \(certificatePath) (the server certificate must come first)"))
            }
        } else {
            findings.append(failure(keyKey, "\(privateKeyPath) is not a PEM private key pwsync can read"))
        }
        if isCA(leaf), chain.dropFirst().contains(where: { !isCA($0) }) {
            findings.append(failure(certKey, "the first certificate is a CA: put the server certificate first, then its intermediates"))
        }
        for (i, (cert, issuer)) in zip(chain, chain.dropFirst()).enumerated() where cert.issuer != issuer.subject {
            findings.append(failure(certKey, "certificate \(i + 2) did not issue certificate \(i + 1): the chain is out of order or an intermediate is missing"))
        }
        for (i, cert) in chain.enumerated() {
            let which = i == 0 ? "the server certificate" : "certificate \(i + 1)"
            if cert.notValidAfter < now {
                findings.append(failure(certKey, "\(which) expired on \(cert.notValidAfter): renew it and put the new chain in \(certificatePath)"))
            } else if cert.notValidBefore > now {
                findings.append(failure(certKey, "\(which) is not valid before \(cert.notValidBefore)"))
            } else if i == 0, cert.notValidAfter < now.addingTimeInterval(30 * 86_400) {
                findings.append(.init(level: .warning, key: certKey, message: "\(which) expires on \(cert.notValidAfter): renew it (then `systemctl reload pwsync`)"))
            }
        }
        if let labSubject, leaf.subject.description.contains(labSubject) {
            findings.append(.init(level: .warning, key: certKey,
                                  message: "\(certificatePath) is the self-signed lab certificate `pwsync init --self-signed` made: Okta does not trust it; install your CA's chain for \(certificatePath)'s key"))
        }
        if chain.count == 1, leaf.issuer != leaf.subject {
            findings.append(.init(level: .warning, key: certKey,
                                  message: "only the server certificate is in \(certificatePath); Okta's trust store has no intermediates, so append them unless a root CA signed it directly"))
        }
        return findings
    }

    static func isCA(_ c: Certificate) -> Bool {
        if case .isCertificateAuthority? = try? c.extensions.basicConstraints { return true }
        return false
    }
}
