import Access

/// `[server]`'s part that decides what one stranger may cost: who may connect, how many
/// connections, and how long each phase of a request may take.
package struct ConnectionPolicy: Sendable {
    package var maxConnections: Int
    package var maxConnectionsPerClient: Int
    /// From accept to a completed TLS handshake (a silent socket, half a ClientHello).
    package var handshakeTimeout: Duration
    /// From the handshake to a complete request head (a silent TLS connection, slowloris).
    package var headTimeout: Duration
    /// From the head to the end of the body (a stalled body).
    package var bodyTimeout: Duration
    /// From a response to the next request's complete head (an idle keep-alive).
    package var idleTimeout: Duration
    package var allow: ClientAllowlist
    /// Balancers whose PROXY header or `X-Forwarded-For` names the client. Their own connections
    /// are held to `maxConnections` only: every client behind them shares their address.
    package var trustedProxies: TrustedProxies

    package init(maxConnections: Int, maxConnectionsPerClient: Int, handshakeTimeout: Duration, headTimeout: Duration,
                bodyTimeout: Duration, idleTimeout: Duration, allow: ClientAllowlist, trustedProxies: TrustedProxies) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.handshakeTimeout = handshakeTimeout
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.allow = allow
        self.trustedProxies = trustedProxies
    }
}
