import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
import NIOTLS
import Access
import Config

/// Open connections, in all and per client address, shared by every connection's guard.
package final class ConnectionCounter: Sendable {
    private let state = NIOLockedValueBox<(total: Int, perClient: [String: Int])>((0, [:]))
    package init() {}

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

    package var open: Int { state.withLockedValue { $0.total } }
}

/// One per connection, right after HTTP decoding: refuses clients outside the allowlist or over a
/// cap with a plain TCP close, and closes a connection whose current phase (handshake, head, body,
/// idle) outlives its timeout. A response marked `Connection: close` closes the connection once
/// written, so a refused request's body is never read to its end. The decisions are
/// `ConnectionGuardState`'s; this handler performs them on the channel.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let policy: ConnectionPolicy
    let counter: ConnectionCounter
    private var state: ConnectionGuardState
    /// The address holding a place under the caps.
    private var client: String?
    private var timer: Scheduled<Void>?

    init(policy: ConnectionPolicy, counter: ConnectionCounter) {
        self.policy = policy
        self.counter = counter
        state = ConnectionGuardState(timeouts: .init(handshake: policy.handshakeTimeout, head: policy.headTimeout,
                                                     body: policy.bodyTimeout, idle: policy.idleTimeout))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !state.hasStarted else { return }
        let ip = context.channel.remoteAddress?.ipAddress ?? "?"
        // A trusted proxy's clients are checked against the allowlist once it names them.
        let admitted = (policy.allow.allows(ip) || policy.trustedProxies.trusts(ip)) && counter.admit(ip, policy)
        if admitted { client = ip }
        perform(state.started(admitted: admitted), context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { perform(state.handshakeCompleted(), context) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: ConnectionGuardState.Action
        switch unwrapInboundIn(data) {
        case .head: action = state.requestHead(channelActive: context.channel.isActive)
        case .body: action = state.requestBody()
        case .end: action = state.requestEnd()
        }
        switch action {
        case .drop: return
        case .forward(let arm):
            if let arm { self.arm(context, arm) }
        case .forwardAndDisarm:
            disarm()
        default:
            perform(action, context)
            return
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let action: ConnectionGuardState.Action
        switch unwrapOutboundIn(data) {
        case .head(let response): action = state.responseHead(connectionClose: response.headerFields[.connection]?.lowercased() == "close")
        case .body: action = state.responseBody()
        case .end: action = state.responseEnd()
        }
        switch action {
        case .writeAndClose(let release):
            finish(release: release)
            let done = context.eventLoop.makePromise(of: Void.self)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
            promise.map { done.futureResult.cascade(to: $0) }
            context.writeAndFlush(data, promise: done)
        case .write(let arm):
            if let arm { self.arm(context, arm) }
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(state.ended(), context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { perform(state.ended(), context) }

    /// The actions that need nothing but the channel.
    private func perform(_ action: ConnectionGuardState.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .close: context.close(promise: nil)
        case .arm(let timeout): arm(context, timeout)
        case .finish(let release): finish(release: release)
        case .none, .forward, .forwardAndDisarm, .drop, .write, .writeAndClose: break
        }
    }

    private func finish(release: Bool) {
        disarm()
        if release, let client { counter.release(client) }
        if release { client = nil }
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: Duration) {
        timer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            let (guardHandler, context) = bound.value
            guardHandler.perform(guardHandler.state.timedOut(), context)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
