import Access

extension Configuration {
    /// `[server]`: where and how pwsync listens, who may call it, and what a stranger may cost.
    package struct Server: Sendable {
        package var host: String
        package var port: Int
        package var certificatePath: String
        package var privateKeyPath: String
        package var maxBodyBytes: Int
        package var retryAfterSeconds: Int
        package var tokens: [Credential]
        /// `https://host[:port]` Okta uses, for absolute `meta.location`; nil = from the request's Host.
        package var publicURL: String?
        /// Who may connect, the caps and the per-phase timeouts.
        package var connections: ConnectionPolicy
        /// How long SIGTERM waits for requests in flight before they are cut off and pwsync exits.
        package var shutdownTimeout: Duration

        package static let listen = "0.0.0.0:8443"
        package static let maxBodyBytesSetting = Setting("server.max_body_bytes", default: 65_536, 1024...10_485_760)
        /// Okta retries only 429 by itself, after `Retry-After` seconds, doubling the wait each time.
        package static let retryAfterSetting = Setting("server.retry_after_seconds", default: 30, 1...3600)
        package static let maxConnectionsSetting = Setting("server.max_connections", default: 512, 8...65_536)
        /// Okta needs a handful; at most `max_connections`.
        package static let maxConnectionsPerClientSetting = Setting("server.max_connections_per_client", default: 32, 1...65_536)
        package static let handshakeTimeoutSetting = Setting("server.tls_handshake_timeout_seconds", default: 10.0, 1...60)
        /// Stops slowloris.
        package static let headTimeoutSetting = Setting("server.request_head_timeout_seconds", default: 10.0, 1...60)
        package static let bodyTimeoutSetting = Setting("server.request_body_timeout_seconds", default: 30.0, 1...120)
        package static let idleTimeoutSetting = Setting("server.idle_timeout_seconds", default: 60.0, 1...600)
        /// Below systemd's default TimeoutStopSec (90 s), so pwsync ends itself before SIGKILL.
        package static let shutdownTimeoutSetting = Setting("server.shutdown_timeout_seconds", default: 20.0, 1...80)
    }
}
