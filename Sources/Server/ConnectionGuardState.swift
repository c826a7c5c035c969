/// What a connection's guard decides, apart from the channel: each event returns the action the
/// `ConnectionGuard` handler then performs (swift-nio's pattern). No I/O and no clock, so every
/// rule (a request read after the close is dropped whole, a place under the caps is freed once)
/// is unit-tested by itself.
struct ConnectionGuardState: Sendable {
    /// The timeouts of each phase.
    struct Timeouts: Sendable, Equatable {
        var handshake: Duration
        var head: Duration
        var body: Duration
        var idle: Duration
    }

    enum Action: Equatable {
        case none
        /// Close the connection now (refused, or a phase outlived its timeout).
        case close
        /// (Re)start the phase timer with this timeout.
        case arm(Duration)
        /// Pass the request part on and (re)start the phase timer.
        case forward(arm: Duration?)
        /// Pass the request part on and stop the phase timer (the response is the server's).
        case forwardAndDisarm
        /// Drop the request part: its request arrived after the connection was closed.
        case drop
        /// Write the response part; `arm` restarts the phase timer (idle keep-alive).
        case write(arm: Duration?)
        /// Stop the timer, free the connection's place under the caps, write the last part, and
        /// close once it is written.
        case writeAndClose(release: Bool)
        /// The connection is gone: stop the timer, and free its place if it still holds one.
        case finish(release: Bool)
    }

    let timeouts: Timeouts
    private var started = false
    var hasStarted: Bool { started }
    /// Admitted under the caps, and not yet given back.
    private var holdsPlace = false
    private var closeAfterResponse = false
    /// The request being read arrived after this connection was closed: none of it is passed on.
    private var discarding = false
    /// This guard asked for the close: TLS may still deliver records while close_notify is exchanged.
    private(set) var closing = false

    init(timeouts: Timeouts) { self.timeouts = timeouts }

    /// The connection is up; `admitted` says whether the allowlist and the caps let it in.
    mutating func started(admitted: Bool) -> Action {
        guard !started else { return .none }
        started = true
        guard admitted else {
            closing = true
            return .close
        }
        holdsPlace = true
        return .arm(timeouts.handshake)
    }

    mutating func handshakeCompleted() -> Action { .arm(timeouts.head) }

    /// Once closed (a timeout, a refused request), the decoders still hand over what they had
    /// buffered (NIO decodes the rest on channelInactive). Such a request could be applied but
    /// never answered, so it is dropped whole: a client with no answer must be able to trust
    /// nothing was done.
    mutating func requestHead(channelActive: Bool) -> Action {
        discarding = closing || !channelActive
        return discarding ? .drop : .forward(arm: timeouts.body)
    }

    func requestBody() -> Action { discarding ? .drop : .forward(arm: nil) }

    mutating func requestEnd() -> Action {
        if discarding {
            discarding = false
            return .drop
        }
        return .forwardAndDisarm
    }

    /// A response marked `Connection: close` ends the connection once written.
    mutating func responseHead(connectionClose: Bool) -> Action {
        if connectionClose { closeAfterResponse = true }
        return .write(arm: nil)
    }

    func responseBody() -> Action { .write(arm: nil) }

    /// Served and leaving: its place under the caps is free at once, before the close completes.
    mutating func responseEnd() -> Action {
        guard closeAfterResponse else { return .write(arm: timeouts.idle) }
        closing = true
        defer { holdsPlace = false }
        return .writeAndClose(release: holdsPlace)
    }

    mutating func timedOut() -> Action {
        closing = true
        return .close
    }

    /// The channel went inactive, or the guard left the pipeline.
    mutating func ended() -> Action {
        defer { holdsPlace = false }
        return .finish(release: holdsPlace)
    }
}
