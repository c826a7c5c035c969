import Hummingbird
import NIOCore

/// Per-request state: who the client is (address, authenticated principal) and the request id
/// that ties log lines to audit records.
public struct SCIMRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: String?
    public let client: String?
    public let requestID: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.client = source.channel.remoteAddress?.ipAddress
        self.requestID = RequestIDs.next()
    }
}

/// Short random request ids, unique enough to correlate a push across log and audit.
enum RequestIDs {
    static func next() -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<16).map { _ in hex[Int.random(in: 0..<16, using: &rng)] }, as: UTF8.self)
    }
}
