import Hummingbird
import NIOCore

/// Per-request state: who the client is (address, authenticated principal), the request id that
/// ties log lines to audit records (Hummingbird's), and the body limit.
public struct SCIMRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: String?
    public let client: String?
    /// Set by the router from `[server] max_body_bytes`.
    public var maxUploadSize: Int = 65536

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.client = source.channel.remoteAddress?.ipAddress
    }

    public var requestID: String { id }
}
