import Access
import Config
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SCIM

/// The client address a trusted proxy named for each open connection (PROXY protocol), for the
/// request context, which sees only the channel.
package final class ForwardedClients: Sendable {
    package static let shared = ForwardedClients()
    private let table = NIOLockedValueBox<[ObjectIdentifier: String]>([:])

    func set(_ address: String, for channel: any Channel) {
        let key = ObjectIdentifier(channel)
        table.withLockedValue { $0[key] = address }
        channel.closeFuture.whenComplete { [table] _ in _ = table.withLockedValue { $0.removeValue(forKey: key) } }
    }

    func client(of channel: any Channel) -> String? {
        let key = ObjectIdentifier(channel)
        return table.withLockedValue { $0[key] }
    }

    package var count: Int { table.withLockedValue { $0.count } }
}

/// Wraps the server's child channel: on a connection from a trusted proxy, reads the PROXY
/// protocol header (v1 or v2) before TLS starts, and takes the client address it names.
struct ProxyProtocolChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let policy: ConnectionPolicy

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if policy.trustedProxies.trusts(channel.remoteAddress?.ipAddress) {
                try channel.pipeline.syncOperations.addHandler(ProxyHeaderHandler(allow: policy.allow), position: .first)
            }
        }.flatMap { base.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async { await base.handle(value: value, logger: logger) }
}

/// Reads the PROXY header, then leaves the pipeline. A malformed header, or a client address
/// outside `[server] allow`, closes the connection; a connection without a header is the
/// proxy's own (HAProxy's checks) and goes on as it is.
final class ProxyHeaderHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let allow: ClientAllowlist
    private var buffered: ByteBuffer?

    init(allow: ClientAllowlist) { self.allow = allow }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffered == nil { buffered = incoming } else { buffered!.writeBuffer(&incoming) }
        guard var bytes = buffered else { return }
        switch ProxyHeader.parse(bytes.readableBytesView) {
        case .needMore:
            return
        case .invalid:
            buffered = nil
            context.close(promise: nil)
            return
        case .absent:
            break
        case .header(let source, let length):
            if let source {
                guard allow.allows(source) else {
                    buffered = nil
                    context.close(promise: nil)
                    return
                }
                ForwardedClients.shared.set(source, for: context.channel)
            }
            bytes.moveReaderIndex(forwardBy: length)
        }
        buffered = nil
        if bytes.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(bytes)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Behind a trusted proxy that re-encrypts (and so cannot send a PROXY header), the client is the
/// one `X-Forwarded-For` names; from anyone else the header is ignored. A client so named is held
/// to `[server] allow` like a direct one.
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = SCIMRequestContext
    let trusted: TrustedProxies
    let allow: ClientAllowlist
    static let header = HTTPField.Name("X-Forwarded-For")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard trusted.trusts(context.client) else { return try await next(request, context) }
        let values = request.headers[values: Self.header]
        guard !values.isEmpty, let client = trusted.client(forwardedFor: values) else { return try await next(request, context) }
        guard allow.allows(client) else {
            var e = SCIMError(status: 403, detail: "This client address is not allowed to use pwsync ([server] allow).")
            e.closeConnection = true
            throw e
        }
        var context = context
        context.client = client
        return try await next(request, context)
    }
}
