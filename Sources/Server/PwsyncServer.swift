import Access
import Audit
import Config
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import Logging
import NIOSSL
import PasswordSync
import SCIM
import ServiceLifecycle

/// Builds the HTTPS application: routes, auth and error handling, TLS 1.2 or newer.
package enum PwsyncServer {
    /// The router alone: what tests drive without sockets.
    package static func router(service: PasswordSyncService, authenticator: Authenticator, credentials: CredentialStore? = nil, audit: any AuditSink,
                              maxBodyBytes: Int, retryAfterSeconds: Int, publicURL: String? = nil,
                              throttle: AuthThrottle = .init(), authFailures: AuditSummarizer? = nil,
                              readiness: Readiness? = nil, requestBudget: Duration,
                              trustedProxies: TrustedProxies = .init([]), allow: ClientAllowlist = .init([])) -> Router<SCIMRequestContext> {
        let authFailures = authFailures ?? AuditSummarizer(sink: audit)
        let credentials = credentials ?? CredentialStore(authenticator)
        let readiness = readiness ?? Readiness(checks: [{ await service.directoryReady() }])
        let router = Router(context: SCIMRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: SCIMErrorMiddleware(mapping: SCIMErrorMapping(retryAfter: retryAfterSeconds)))
        router.add(middleware: ForwardedForMiddleware(trusted: trustedProxies, allow: allow))
        router.add(middleware: BodyLimitMiddleware(maxBytes: maxBodyBytes))
        router.add(middleware: DeadlineMiddleware(budget: requestBudget))
        router.get("health") { _, _ in "ok\n" }
        // For load balancers and systemd: unauthenticated, and saying nothing but yes or no.
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let ready = await readiness.isReady()
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "not ready\n")))
        }
        for version in [SCIMVersion.v2, .v1] {
            let scim = router.group(RouterPath("scim/\(version.rawValue)"))
                .add(middleware: AuthMiddleware(credentials: credentials, throttle: throttle, failures: authFailures,
                                                retryAfter: retryAfterSeconds))
            SCIMRoutes(service: service, version: version, basicAuth: authenticator.acceptsBasic, publicURL: publicURL)
                .register(scim)
        }
        return router
    }

    static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Server TLS from PEM files: the whole chain in the certificate file (Okta has no intermediates).
    package static func tlsConfiguration(certificatePath: String, privateKeyPath: String,
                                        credentials: TLSCredentials? = nil) throws -> TLSConfiguration {
        let credentials = try credentials ?? TLSCredentials(certificatePath: certificatePath, privateKeyPath: privateKeyPath)
        let (chain, key) = credentials.pair
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        // Each handshake takes the current pair: SIGHUP swaps in a renewed certificate.
        tls.sslContextCallback = credentials.callback
        // swift-nio-ssl's server default still allows TLS 1.0.
        tls.minimumTLSVersion = .tlsv12
        // TLS 1.2: forward-secret AEAD suites only (Mozilla "intermediate"); no CBC, no RSA key exchange.
        tls.cipherSuites = tls12CipherSuites
        // When pwsync closes a connection it does not wait long for the client's close_notify: a
        // refused client must not hold a socket (and its place under the caps) for seconds.
        tls.shutdownTimeout = .milliseconds(250)
        return tls
    }

    /// The HTTPS server `[server]` describes; `requestBudget` is how long after a request arrives
    /// it may still start a directory step (`Configuration.Directory.requestBudget`).
    package static func application(server options: Configuration.Server, requestBudget: Duration, service: PasswordSyncService, authenticator: Authenticator,
                                   audit: any AuditSink, logger: Logger, services: [any Service] = [],
                                   authFailures: AuditSummarizer? = nil, counter: ConnectionCounter = .init(), readiness: Readiness? = nil,
                                   credentials: CredentialStore? = nil, tlsCredentials: TLSCredentials? = nil,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let tls = try tlsConfiguration(certificatePath: options.certificatePath, privateKeyPath: options.privateKeyPath,
                                       credentials: tlsCredentials)
        return Application(
            router: router(service: service, authenticator: authenticator, credentials: credentials, audit: audit, maxBodyBytes: options.maxBodyBytes,
                           retryAfterSeconds: options.retryAfterSeconds, publicURL: options.publicURL, authFailures: authFailures,
                           readiness: readiness, requestBudget: requestBudget,
                           trustedProxies: options.connections.trustedProxies, allow: options.connections.allow),
            server: HTTPServerBuilder { responder in
                let http = HTTP1Channel(responder: responder, configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(policy: options.connections, counter: counter)],
                    idleTimeout: TimeAmount(options.connections.idleTimeout)))
                return ProxyProtocolChannel(base: try TLSChannel(http, tlsConfiguration: tls), policy: options.connections)
            },
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            services: services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: logger
        )
    }
}
