import Dispatch

/// A serial executor over a private `DispatchQueue`: an actor using it runs its blocking calls
/// (libldap, the audit file's `write` and `fsync`) on that queue, never on Swift's cooperative pool.
package final class QueueExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    private static let labelKey = DispatchSpecificKey<String>()

    package init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: Self.labelKey, value: label)
    }

    /// The label of the `QueueExecutor` running the caller, if any: tests prove where blocking
    /// work runs with it.
    package static var current: String? { DispatchQueue.getSpecific(key: labelKey) }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Runs `body` on the queue, after every job already queued: an actor on this executor may
    /// enter its isolation there with `assumeIsolated`, without a task.
    package func run(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// What `assumeIsolated` asks: the caller runs on this queue.
    package func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
