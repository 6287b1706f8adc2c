import CFFTW
import Foundation

/// The one lock behind which every FFTW planner call runs.
///
/// FFTW's execute functions are thread-safe; everything else — creating and destroying plans,
/// setting the planner's thread count, importing and exporting wisdom — touches global planner
/// state and must be serialised. Both precisions share this lock (they share FFTW's threads glue).
enum FFTPlanner {
    private static let lock = NSLock()
    /// `fftw(f)_init_threads` must run once before any other FFTW call that plans.
    private nonisolated(unsafe) static var threadsInitialised = false

    /// Runs `body` with exclusive access to FFTW's planner, after initialising FFTW's threads.
    static func withLock<R>(_ body: () throws(SpectralConvError) -> R) throws(SpectralConvError) -> R {
        lock.lock()
        defer { lock.unlock() }
        if !threadsInitialised {
            guard fftwf_init_threads() != 0, fftw_init_threads() != 0 else {
                throw .backend("FFTW could not initialise its threads library")
            }
            threadsInitialised = true
        }
        return try body()
    }
}
