import Foundation

/// A thread-safe "please stop" flag: a signal handler (or any thread) raises it, the ``Trainer``
/// checks it before every batch and returns ``Trainer/Outcome/interrupted`` with its progress intact.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    public init() {}

    /// Asks the trainer to stop before its next batch.
    public func raise() { lock.withLock { raised = true } }

    /// Whether ``raise()`` was called.
    public var isRaised: Bool { lock.withLock { raised } }
}
