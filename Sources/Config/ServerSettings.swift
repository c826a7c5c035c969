import Access

extension Configuration {
    /// `[server]`: where and how pwsync listens, who may call it, and what a stranger may cost.
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        public var certificatePath: String
        public var privateKeyPath: String
        public var maxBodyBytes: Int
        public var retryAfterSeconds: Int
        public var tokens: [Credential]
        /// `https://host[:port]` Okta uses, for absolute `meta.location`; nil = from the request's Host.
        public var publicURL: String?
        /// Who may connect, the caps and the per-phase timeouts.
        public var connections: ConnectionPolicy
        /// How long SIGTERM waits for requests in flight before they are cut off and pwsync exits.
        public var shutdownTimeout: Duration

        public static let listen = "0.0.0.0:8443"
        public static let maxBodyBytesSetting = Setting("server.max_body_bytes", default: 65_536, 1024...10_485_760)
        /// Okta retries only 429 by itself, after `Retry-After` seconds, doubling the wait each time.
        public static let retryAfterSetting = Setting("server.retry_after_seconds", default: 30, 1...3600)
        public static let maxConnectionsSetting = Setting("server.max_connections", default: 512, 8...65_536)
        /// Okta needs a handful; at most `max_connections`.
        public static let maxConnectionsPerClientSetting = Setting("server.max_connections_per_client", default: 32, 1...65_536)
        public static let handshakeTimeoutSetting = Setting("server.tls_handshake_timeout_seconds", default: 10.0, 1...60)
        /// Stops slowloris.
        public static let headTimeoutSetting = Setting("server.request_head_timeout_seconds", default: 10.0, 1...60)
        public static let bodyTimeoutSetting = Setting("server.request_body_timeout_seconds", default: 30.0, 1...120)
        public static let idleTimeoutSetting = Setting("server.idle_timeout_seconds", default: 60.0, 1...600)
        /// Below systemd's default TimeoutStopSec (90 s), so pwsync ends itself before SIGKILL.
        public static let shutdownTimeoutSetting = Setting("server.shutdown_timeout_seconds", default: 20.0, 1...80)
    }
}
