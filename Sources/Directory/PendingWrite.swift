/// A password write the directory did not answer in time, still awaited on the connection that
/// sent it. A directory may apply such a write long after pwsync had to answer Okta (slapd applies
/// what sat in its socket buffer when it wakes), so its account stays *in doubt* until `outcome()`
/// returns. Identity is the handle: two failures are equal only when they wait for the same write.
package final class PendingWrite: Sendable, Equatable {
    private let wait: @Sendable () async -> LateOutcome

    /// `wait` returns once the write's fate is known: the directory's late answer, or a fresh read
    /// of the account's change marker once that answer can no longer come.
    package init(_ wait: @escaping @Sendable () async -> LateOutcome) { self.wait = wait }

    package func outcome() async -> LateOutcome { await wait() }

    package static func == (a: PendingWrite, b: PendingWrite) -> Bool { a === b }
}

/// How a write left in doubt ended.
package enum LateOutcome: Sendable, Equatable {
    /// The directory answered success late; `after` is the account read after that answer (nil
    /// when it could not be read).
    case applied(after: DirectoryUser?)
    /// The directory answered late with a refusal.
    case refused(DirectoryFailure)
    /// No answer will come (the connection died, or the wait's bound passed), and a fresh read
    /// found the account's change marker moved: the write landed, or someone else changed the
    /// password meanwhile. Nothing can tell which.
    case markerMoved(after: DirectoryUser)
    /// No answer will come, and a fresh read found the change marker where it was before the write.
    case notApplied
}
