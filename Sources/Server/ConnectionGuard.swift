import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
import NIOTLS
import Access
import Config

/// Open connections, in all and per client address, shared by every connection's guard.
public final class ConnectionCounter: Sendable {
    private let state = NIOLockedValueBox<(total: Int, perClient: [String: Int])>((0, [:]))
    public init() {}

    func admit(_ ip: String, _ policy: ConnectionPolicy) -> Bool {
        let proxy = policy.trustedProxies.trusts(ip)
        return state.withLockedValue { s in
            guard s.total < policy.maxConnections, proxy || s.perClient[ip, default: 0] < policy.maxConnectionsPerClient else { return false }
            s.total += 1
            s.perClient[ip, default: 0] += 1
            return true
        }
    }

    func release(_ ip: String) {
        state.withLockedValue { s in
            s.total -= 1
            let n = s.perClient[ip, default: 1] - 1
            s.perClient[ip] = n > 0 ? n : nil
        }
    }

    public var open: Int { state.withLockedValue { $0.total } }
}

/// One per connection, right after HTTP decoding: refuses clients outside the allowlist or over a
/// cap with a plain TCP close, and closes a connection whose current phase (handshake, head, body,
/// idle) outlives its timeout. A response marked `Connection: close` closes the connection once
/// written, so a refused request's body is never read to its end.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let policy: ConnectionPolicy
    let counter: ConnectionCounter
    private var client: String?
    private var started = false
    private var timer: Scheduled<Void>?
    private var closeAfterResponse = false
    /// The request being read arrived after this connection was closed: none of it is passed on.
    private var discarding = false
    /// This guard asked for the close: TLS may still deliver records while close_notify is exchanged.
    private var closing = false

    init(policy: ConnectionPolicy, counter: ConnectionCounter) {
        self.policy = policy
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        let ip = context.channel.remoteAddress?.ipAddress ?? "?"
        // A trusted proxy's clients are checked against the allowlist once it names them.
        guard policy.allow.allows(ip) || policy.trustedProxies.trusts(ip), counter.admit(ip, policy) else {
            close(context)
            return
        }
        client = ip
        arm(context, policy.handshakeTimeout)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { arm(context, policy.headTimeout) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            // Once closed (a timeout, a refused request), the decoders still hand over what they
            // had buffered (NIO decodes the rest on channelInactive). Such a request could be
            // applied but never answered, so it is dropped whole: a client with no answer must be
            // able to trust nothing was done. (Graceful shutdown is NIO's HTTPServerPipelineHandler's:
            // it answers the request in progress with `Connection: close` and drops later ones.)
            discarding = closing || !context.channel.isActive
            if discarding { return }
            arm(context, policy.bodyTimeout)
        case .end:
            if discarding { discarding = false; return }
            disarm()
        case .body:
            if discarding { return }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if closeAfterResponse {
                finish()  // served and leaving: its place under the caps is free at once
                closing = true
                let done = context.eventLoop.makePromise(of: Void.self)
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
                promise.map { done.futureResult.cascade(to: $0) }
                context.writeAndFlush(data, promise: done)
            } else {
                arm(context, policy.idleTimeout)
                context.write(data, promise: promise)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    private func finish() {
        disarm()
        if let client {
            counter.release(client)
            self.client = nil
        }
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: Duration) {
        timer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) { bound.value.0.close(bound.value.1) }
    }

    private func close(_ context: ChannelHandlerContext) {
        closing = true
        context.close(promise: nil)
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
