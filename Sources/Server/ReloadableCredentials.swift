import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// The HTTPS certificate and key, swappable while running: every new TLS handshake asks for the
/// current pair (through the context callback), established connections keep theirs.
package final class TLSCredentials: Sendable {
    private let current: NIOLockedValueBox<(chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource)>

    package init(certificatePath: String, privateKeyPath: String) throws {
        current = NIOLockedValueBox(try Self.load(certificatePath, privateKeyPath))
    }

    /// Loads a new pair; on any error the old pair stays in use.
    package func reload(certificatePath: String, privateKeyPath: String) throws {
        let pair = try Self.load(certificatePath, privateKeyPath)
        current.withLockedValue { $0 = pair }
    }

    static func load(_ cert: String, _ key: String) throws -> (chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource) {
        let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
        return (chain, .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    }

    var pair: (chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource) { current.withLockedValue { $0 } }

    /// For `TLSConfiguration.sslContextCallback`.
    var callback: NIOSSLContextCallback {
        { [self] _, promise in
            var override = NIOSSLContextConfigurationOverride()
            let (chain, key) = pair
            override.certificateChain = chain
            override.privateKey = key
            promise.succeed(override)
        }
    }
}

/// The credentials Okta may present, swappable on SIGHUP (a new token takes effect without a restart).
package final class CredentialStore: Sendable {
    private let current: NIOLockedValueBox<Authenticator>
    package init(_ authenticator: Authenticator) { current = NIOLockedValueBox(authenticator) }
    package var authenticator: Authenticator { current.withLockedValue { $0 } }
    package func replace(_ authenticator: Authenticator) { current.withLockedValue { $0 = authenticator } }
}
