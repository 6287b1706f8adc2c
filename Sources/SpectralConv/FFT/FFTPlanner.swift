import CFFTW
import Foundation
import Synchronization

/// The one lock behind which every FFTW planner call runs, and where FFTW's threads are set up.
///
/// FFTW's execute functions are thread-safe; everything else — creating and destroying plans,
/// setting the planner's thread count, importing and exporting wisdom — touches global planner
/// state and must be serialised. Both precisions share this lock (they share FFTW's threads glue).
///
/// **FFTW's threads run on the ``WorkerPool``.** A plan made with `threads > 1` (a lone large map,
/// see ``FFTBatch``) splits its loops into jobs; `fftw(f)_threads_set_callback` hands them to the
/// toolkit's pool instead of FFTW's own threads, which sleep on a semaphore between transforms (a
/// wake-up per transform, 15–40 µs on this KVM guest) and which the pool's placement rule does not
/// reach. Measured on a 1-channel 512×512 image with a 31×31 kernel (`spectralconv bench layer
/// --batch 1 --in-channels 1 --out-channels 1 --size 512 --kernel 31 --padding same --algorithms
/// fft --threads 2 --repeats 15`, four alternating process pairs): medians 1.15–1.27 ms against
/// 1.28–1.32 ms through FFTW's threads; a 256×256 image with a 21×21 kernel ran alike.
enum FFTPlanner {
    private static let lock = NSLock()
    /// `fftw(f)_init_threads` must run once before any other FFTW call that plans.
    private nonisolated(unsafe) static var threadsInitialised = false
    /// How many parallel loops FFTW has handed to the pool so far (diagnostics and tests).
    static let parallelLoops = Atomic<Int>(0)

    /// Runs `body` with exclusive access to FFTW's planner, after initialising FFTW's threads.
    static func withLock<R>(_ body: () throws(SpectralConvError) -> R) throws(SpectralConvError) -> R {
        lock.lock()
        defer { lock.unlock() }
        if !threadsInitialised {
            guard fftwf_init_threads() != 0, fftw_init_threads() != 0 else {
                throw .backend("FFTW could not initialise its threads library")
            }
            fftwf_threads_set_callback(runFFTWJobs, nil)
            fftw_threads_set_callback(runFFTWJobs, nil)
            threadsInitialised = true
        }
        return try body()
    }
}

/// FFTW's parallel loop (`fftw(f)_threads_set_callback`), run on the toolkit's ``WorkerPool``
/// instead of FFTW's own threads: `work(jobdata + i·elsize)` for every job `i`, returning when all
/// have finished.
private func runFFTWJobs(
    work: (@convention(c) (UnsafeMutablePointer<CChar>?) -> UnsafeMutableRawPointer?)?,
    jobdata: UnsafeMutablePointer<CChar>?, elsize: Int, njobs: Int32, data: UnsafeMutableRawPointer?
) {
    guard let work, let jobdata else { return }
    let jobs = Int(njobs)
    FFTPlanner.parallelLoops.add(1, ordering: .relaxed)
    Parallelism.fork(iterations: jobs, threads: jobs) { job in _ = work(jobdata + job * elsize) }
}
