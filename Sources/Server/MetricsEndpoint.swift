import CoreMetrics
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// `GET /metrics` in the Prometheus text format, on a listener of its own (plain HTTP, loopback by
/// default), so the SCIM port stays Okta's alone and the counters need no token.
package enum MetricsEndpoint {
    /// Prometheus names allow `[a-zA-Z0-9_:]`; swift-metrics labels from libraries use dots.
    package static func sanitize(_ name: String, _ labels: [(String, String)]) -> (String, [(String, String)]) {
        func clean(_ s: String) -> String {
            String(s.unicodeScalars.map { c -> Character in
                ("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":" ? Character(c) : "_"
            })
        }
        return (clean(name), labels.map { (clean($0.0), $0.1) })
    }

    /// The registry swift-metrics reports into, bootstrapped process-wide.
    package static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = sanitize
        MetricsSystem.bootstrap(factory)
        return registry
    }

    package static func application(host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let router = Router()
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
