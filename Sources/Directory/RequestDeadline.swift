/// The latest moment a request may start another directory step and still be answered inside
/// Okta's 60 s: a step started before it ends within its own bounds (connect, operation, settling
/// re-read), which the configuration keeps below the rest of the minute. Set per request by the
/// server; nil (the CLI, the scheduler) means no deadline.
package enum RequestDeadline {
    @TaskLocal package static var startBy: ContinuousClock.Instant?

    /// Time left to start a step; nil without a deadline.
    package static var remaining: Duration? { startBy.map { $0 - ContinuousClock.now } }

    package static var passed: Bool { remaining.map { $0 <= .zero } ?? false }

    /// The failure a request gets when its time to start another step has run out: nothing more
    /// was sent, so Okta may safely retry.
    package static var failure: DirectoryFailure {
        DirectoryFailure(.deadline, "The directory did not answer in time for pwsync to reply within Okta's 60 seconds (it is slow, or every connection is busy). Nothing more was sent; the push will be retried.",
                         isTransient: true)
    }
}
