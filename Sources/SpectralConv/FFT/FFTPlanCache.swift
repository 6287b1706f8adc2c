import Foundation

/// The process-wide cache of FFTW plans, keyed by everything that makes a plan different
/// (precision, direction, sizes, batch layout, rigor, threads).
///
/// A plan is created the first time its descriptor is asked for and reused by every later call —
/// so a layer's first call pays for planning and the following ones do not. Lookups take a short
/// lock; planning itself runs under ``FFTPlanner``'s lock.
public final class FFTPlanCache: @unchecked Sendable {
    /// The cache every ``ConvolutionEngine`` uses.
    public static let shared = FFTPlanCache()

    private let lock = NSLock()
    private var plans: [FFTPlanDescriptor: FFTPlan] = [:]
    private var created = 0

    /// An empty cache (engines share ``shared`` unless given their own).
    public init() {}

    /// The cached plan for `descriptor`, planning it on first use.
    func plan(for descriptor: FFTPlanDescriptor) throws(SpectralConvError) -> FFTPlan {
        lock.lock()
        if let plan = plans[descriptor] {
            lock.unlock()
            return plan
        }
        lock.unlock()
        let plan = try FFTPlan(descriptor)
        lock.lock()
        defer { lock.unlock() }
        if let raced = plans[descriptor] { return raced }
        plans[descriptor] = plan
        created += 1
        return plan
    }

    /// Plans currently cached, and plans created since the process started.
    public var statistics: (cached: Int, created: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (plans.count, created)
    }

    /// Drops every cached plan (each is destroyed when no computation holds it any more).
    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        plans.removeAll()
    }
}
