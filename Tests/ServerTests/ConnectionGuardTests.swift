import Hummingbird
import Config
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
@testable import Server
import XCTest

/// The guard's closing rules on a channel without sockets: what it passes on and when it closes.
final class ConnectionGuardTests: XCTestCase {
    /// Collects what the guard lets through to the application.
    final class Sink: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPRequestPart
        var heads: [String] = []
        var ends = 0
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): heads.append(h.path ?? "")
            case .end: ends += 1
            case .body: break
            }
        }
    }

    static let policy = ConnectionPolicy(maxConnections: 16, maxConnectionsPerClient: 4, handshakeTimeout: .seconds(10), headTimeout: .seconds(10),
                                         bodyTimeout: .seconds(30), idleTimeout: .seconds(60), allow: .init([]), trustedProxies: .init([]))

    func channel() throws -> (EmbeddedChannel, Sink, ConnectionCounter) {
        let counter = ConnectionCounter()
        let sink = Sink()
        let ch = EmbeddedChannel()
        try ch.pipeline.syncOperations.addHandler(ConnectionGuard(policy: Self.policy, counter: counter))
        try ch.pipeline.syncOperations.addHandler(sink)
        try ch.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (ch, sink, counter)
    }

    static func request(_ path: String) -> HTTPRequestPart {
        .head(HTTPRequest(method: .put, scheme: "https", authority: "x", path: path))
    }

    /// A connection the guard closed (here: idle past its timeout) passes nothing more on: a
    /// request the decoders hand over afterwards (NIO decodes buffered bytes on close) would be
    /// applied with no one to answer, so it is dropped.
    func testARequestReadAfterTheGuardClosedIsDropped() throws {
        let (ch, sink, counter) = try channel()
        try ch.writeInbound(Self.request("/scim/v2/Users/first"))
        try ch.writeInbound(HTTPRequestPart.end(nil))
        try ch.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try ch.writeOutbound(HTTPResponsePart.end(nil))
        XCTAssertEqual(counter.open, 1)
        ch.embeddedEventLoop.advanceTime(by: TimeAmount(Self.policy.idleTimeout))
        XCTAssertFalse(ch.isActive)
        XCTAssertEqual(counter.open, 0)
        ch.pipeline.fireChannelRead(NIOAny(Self.request("/scim/v2/Users/late")))
        ch.pipeline.fireChannelRead(NIOAny(HTTPRequestPart.body(ByteBuffer(string: "{}"))))
        ch.pipeline.fireChannelRead(NIOAny(HTTPRequestPart.end(nil)))
        XCTAssertEqual(sink.heads, ["/scim/v2/Users/first"])
        XCTAssertEqual(sink.ends, 1)
    }

    /// A response marked `Connection: close` (a refused request) closes the connection once written.
    func testAConnectionCloseResponseClosesOnceWritten() throws {
        let (ch, _, counter) = try channel()
        try ch.writeInbound(Self.request("/scim/v2/Users/x"))
        try ch.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .contentTooLarge, headerFields: [.connection: "close"])))
        XCTAssertTrue(ch.isActive)
        try ch.writeOutbound(HTTPResponsePart.end(nil))
        ch.embeddedEventLoop.run()
        XCTAssertFalse(ch.isActive)
        XCTAssertEqual(counter.open, 0)
    }

    /// Holds a close back, as TLS does while close_notify is exchanged: the channel stays active.
    final class SlowClose: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = Any
        var asked = false
        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) { asked = true }
    }

    /// A request that comes in while the close the guard asked for is still under way is dropped.
    func testARequestReadWhileClosingIsDropped() throws {
        let counter = ConnectionCounter()
        let sink = Sink()
        let slow = SlowClose()
        let ch = EmbeddedChannel()
        try ch.pipeline.syncOperations.addHandler(slow)
        try ch.pipeline.syncOperations.addHandler(ConnectionGuard(policy: Self.policy, counter: counter))
        try ch.pipeline.syncOperations.addHandler(sink)
        try ch.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        ch.embeddedEventLoop.advanceTime(by: TimeAmount(Self.policy.handshakeTimeout))  // no TLS handshake came
        XCTAssertTrue(slow.asked)
        XCTAssertTrue(ch.isActive)
        try ch.writeInbound(Self.request("/scim/v2/Users/late"))
        try ch.writeInbound(HTTPRequestPart.end(nil))
        XCTAssertEqual(sink.heads, [])
        XCTAssertEqual(sink.ends, 0)
    }

    /// Without a close, requests on a live keep-alive connection all pass.
    func testRequestsOnALiveConnectionPass() throws {
        let (ch, sink, _) = try channel()
        for path in ["/a", "/b"] {
            try ch.writeInbound(Self.request(path))
            try ch.writeInbound(HTTPRequestPart.end(nil))
            try ch.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try ch.writeOutbound(HTTPResponsePart.end(nil))
        }
        XCTAssertEqual(sink.heads, ["/a", "/b"])
        XCTAssertEqual(sink.ends, 2)
        XCTAssertTrue(ch.isActive)
    }
}
