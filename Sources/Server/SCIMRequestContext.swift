import Hummingbird
import NIOCore

/// Per-request state: who the client is (address, authenticated principal), the request id that
/// ties log lines to audit records (Hummingbird's), and the body limit.
package struct SCIMRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    package var principal: String?
    /// The client's address: the TCP peer, or the client a trusted proxy named.
    package var client: String?
    /// Set by the router's first middleware from `[server] max_body_bytes`, before any body is read.
    package var maxUploadSize: Int = 0

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.client = ForwardedClients.shared.client(of: source.channel) ?? source.channel.remoteAddress?.ipAddress
    }

    package var requestID: String { id }
}
