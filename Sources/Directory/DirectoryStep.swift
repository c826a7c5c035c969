/// How long one directory step can take once started, and what that leaves a request: the one
/// formula both the config check and the request deadline use.
package enum DirectoryStep {
    /// Okta gives up at 60 s; pwsync's reply leaves by this.
    package static let replyWithin: Duration = .seconds(55)
    /// The longest a step may be, so a request keeps at least 10 s to start steps in.
    package static let maxBound: Duration = .seconds(45)

    /// How long the re-read that settles an unanswered write may keep trying.
    package static func settleWindow(operation: Duration) -> Duration { min(.seconds(5), operation) }

    /// A connect to every server in turn, the operation, and the settling re-read.
    package static func bound(connect: Duration, operation: Duration, servers: Int) -> Duration {
        connect * max(1, servers) + operation + settleWindow(operation: operation)
    }

    /// How long after a request arrives it may still start a step and be answered in time.
    package static func requestBudget(connect: Duration, operation: Duration, servers: Int) -> Duration {
        replyWithin - bound(connect: connect, operation: operation, servers: servers)
    }
}
