import Logging
import ServiceLifecycle
import UnixSignals

/// Runs `action` on every SIGHUP until graceful shutdown (`systemctl reload`, logrotate's postrotate).
package struct ReloadOnHangupService: Service {
    let action: @Sendable () async -> Void

    package init(action: @escaping @Sendable () async -> Void) {
        self.action = action
    }

    package func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() { await action() }
    }
}

/// Runs `action` every `interval` until graceful shutdown, then once more (so nothing is left undone).
package struct PeriodicService: Service {
    let interval: Duration
    let action: @Sendable () async -> Void

    package init(every interval: Duration, action: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.action = action
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = interval
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await action()
        }
    }
}
