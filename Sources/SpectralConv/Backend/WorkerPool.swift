import Dispatch
import Foundation
import Synchronization
import CThreadPlacement

#if canImport(Glibc)
import Glibc
#endif

/// The toolkit's fork/join: worker threads that stay between parallel regions, spinning briefly
/// before they sleep, so a region costs an atomic store and a few cache-line transfers instead of
/// waking threads through the scheduler.
///
/// A region runs `body(0..<iterations)` on the calling thread and up to `threads − 1` workers;
/// iterations are claimed one at a time from a shared counter (so uneven iterations balance) and
/// the call returns when every iteration has finished. A worker that arrives after the last
/// iteration was claimed does not join, so a worker the scheduler keeps off the CPU (other
/// processes busy) costs the region nothing: the caller runs its share.
///
/// One region at a time: a region requested while another is running (from another thread, or
/// nested inside a region's body) runs with `DispatchQueue.concurrentPerform` instead, as does a
/// region that asks for more threads than the machine has cores. Workers are created on first use
/// (`activeProcessorCount − 1` at most) and live as long as the process.
///
/// Why not `DispatchQueue.concurrentPerform` (the fork until this pool): on this 2-core KVM guest
/// a fork/join of two 16 µs halves took 55 µs through it (median; the worker is woken per region)
/// and 17 µs here, and sub-millisecond layers paid that on every region: 16-channel 64² 5×5,
/// `spectralconv bench layer --batch 1 --in-channels 16 --out-channels 16 --size 64 --kernel 5
/// --padding same --threads 2`, medians of four processes went from 0.43–0.72 to 0.33–0.38 ms
/// (direct), 1.00–1.13 to 0.58–0.60 (im2col) and 0.97–1.07 to 0.62–0.69 (fft), and a median
/// now sits within 18% of its run's minimum. Spinning workers call `sched_yield`, so a thread
/// that OpenBLAS or FFTW runs on the same core between regions still gets it.
///
/// **Placement.** An invited worker keeps off the CPU the caller started the region on: when that
/// CPU changes, the worker narrows its own affinity mask to the CPUs it inherited minus that one
/// (one system call, and the kernel moves it at once), so it never waits for the caller's CPU while
/// another one idles. *Why*: Linux often left the worker on the caller's CPU, where it cannot join
/// until the caller's region is over, and its load balancer took 100 ms or more to move it.
/// Measured with 2000 back-to-back regions of two 33 µs halves in fresh processes: without this,
/// 2 of 5 processes ran ~82% of their regions on one CPU (median 65 µs a region, the serial time);
/// with it, all five ran at a median of 36 µs, with 1–63 regions in 2000 on one CPU. A worker
/// that sleeps between regions (idle gaps over ``spinNanoseconds``) still costs its wake-up —
/// 15–40 µs of the caller's time on this KVM guest, and the worker often arrives after a 30 µs
/// region is done. With a single allowed CPU, or in the concurrentPerform fallback, nothing is
/// pinned.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(maximumWorkers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// How long an idle worker polls for the next region before it sleeps (nanoseconds).
    static let spinNanoseconds: UInt64 = 200_000

    private let maximumWorkers: Int
    /// Held for the duration of a region; `withLockIfAvailable` sends a second region elsewhere.
    private let regionLock = Mutex<Void>(())
    /// Workers started so far (changed only under `regionLock`).
    private var workerCount = 0

    // The current region, written by the caller before `ticket` is bumped (release) and read by
    // the workers that join it (acquire). The caller waits for every worker that joined to depart
    // before it returns, so nothing reads them once the next region writes them.
    private var body: ((Int) -> Void)?
    private var iterations = 0
    /// The CPU the caller started the current region on (-1: unknown); invited workers keep off it.
    /// Atomic because a worker reads it before it joins, when the region may already be over.
    private let callerCPU = Atomic<Int32>(-1)
    /// The CPU the latest region's caller started on (-1: unknown or no region yet).
    var latestCallerCPU: Int32 { callerCPU.load(ordering: .relaxed) }
    private let nextIteration = Atomic<Int>(0)
    private let departed = Atomic<Int>(0)
    /// `region sequence number · ticketStride + workers invited`: a worker learns from this one
    /// value whether it is invited; one that is not reads nothing else.
    private let ticket = Atomic<Int>(0)
    private static let ticketStride = 1024
    /// `sequence · joinSequenceUnit + closed flag + workers joined`. An invited worker joins by
    /// incrementing it while it names the current region and is open; the caller closes it once
    /// every iteration is claimed, and then waits only for the workers that joined — a worker
    /// the scheduler delays (the other core busy) does not hold the region up.
    private let joinState = Atomic<Int>(0)
    private static let joinClosed = 1 << 20
    private static let joinSequenceUnit = 1 << 21

    // Sleeping workers wait on this condition; `sleepers` tells the caller whether to signal.
    private let sleepers = Atomic<Int>(0)
    private let sleepMutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeCondition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(maximumWorkers: Int) {
        self.maximumWorkers = min(maximumWorkers, Self.ticketStride - 1)
        pthread_mutex_init(sleepMutex, nil)
        pthread_cond_init(wakeCondition, nil)
    }

    /// Runs `body(i)` for every `i` in `0..<iterations` on at most `threads` threads, the caller's
    /// among them; returns when all have finished.
    func run(iterations: Int, threads: Int, _ body: (Int) -> Void) {
        let helpers = min(threads, iterations) - 1
        guard helpers > 0 else {
            for index in 0..<iterations { body(index) }
            return
        }
        let ran: Void? = helpers > maximumWorkers ? nil : regionLock.withLockIfAvailable { _ in
            withoutActuallyEscaping(body) { body in
                runRegion(iterations: iterations, helpers: helpers, body)
            }
        }
        if ran == nil {
            withoutActuallyEscaping(body) { body in
                let shared = UncheckedSendable(body)
                DispatchQueue.concurrentPerform(iterations: iterations) { shared.value($0) }
            }
        }
    }

    /// One region, under `regionLock`.
    private func runRegion(iterations: Int, helpers: Int, _ body: @escaping (Int) -> Void) {
        let previous = ticket.load(ordering: .relaxed)
        while workerCount < helpers { startWorker(index: workerCount, after: previous); workerCount += 1 }
        let sequence = previous / Self.ticketStride + 1
        self.body = body
        self.iterations = iterations
        callerCPU.store(spectralconv_current_cpu(), ordering: .relaxed)
        nextIteration.store(0, ordering: .relaxed)
        departed.store(0, ordering: .relaxed)
        joinState.store(sequence * Self.joinSequenceUnit, ordering: .relaxed)
        ticket.store(sequence * Self.ticketStride + helpers, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(sleepMutex)
            pthread_cond_broadcast(wakeCondition)
            pthread_mutex_unlock(sleepMutex)
        }
        claimIterations(body)
        // Every iteration is claimed: close the region to latecomers, then wait for the workers
        // that joined (they may still be running their last iterations).
        let joined = joinState.bitwiseOr(Self.joinClosed, ordering: .acquiringAndReleasing).oldValue % Self.joinClosed
        var polls = 0
        while departed.load(ordering: .acquiring) < joined {
            polls += 1
            if polls > 64 { sched_yield() }
        }
        self.body = nil
    }

    private func claimIterations(_ body: (Int) -> Void) {
        while true {
            let index = nextIteration.add(1, ordering: .relaxed).oldValue
            if index >= iterations { return }
            body(index)
        }
    }

    /// Starts worker `index`, which waits for the first region after ticket `previous`. Workers
    /// never exit, and each keeps its pool alive: a pool lives as long as the process.
    private func startWorker(index: Int, after previous: Int) {
        let thread = Thread { self.workerLoop(index: index, after: previous) }
        thread.name = "spectralconv-worker-\(index + 1)"
        thread.start()
    }

    private func workerLoop(index: Int, after previous: Int) {
        var seen = previous
        var avoidedCPU: Int32 = -1     // the CPU this worker's affinity mask leaves out (-1: none)
        // The CPUs the worker may use at all: the mask it inherited from the thread that started it.
        let allowed = spectralconv_cpu_mask_of_calling_thread()
        while true {
            seen = waitForRegion(after: seen)
            // Workers beyond this region's helper count sit it out.
            guard index < seen % Self.ticketStride else { continue }
            let cpu = callerCPU.load(ordering: .relaxed)
            if cpu != avoidedCPU {
                _ = spectralconv_keep_calling_thread_off_cpu(allowed, cpu)
                avoidedCPU = cpu
            }
            guard join(sequence: seen / Self.ticketStride) else { continue }
            participate()
            departed.add(1, ordering: .releasing)
        }
    }

    /// Joins region `sequence` if it is still the current one and open.
    private func join(sequence: Int) -> Bool {
        var state = joinState.load(ordering: .acquiring)
        while state / Self.joinSequenceUnit == sequence && state & Self.joinClosed == 0 {
            let (exchanged, current) = joinState.compareExchange(
                expected: state, desired: state + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            state = current
        }
        return false
    }

    /// A worker's share of the current region. Not inlined, so every reference it takes to `body`
    /// is released before the worker reports its departure: the caller's `withoutActuallyEscaping`
    /// checks that nothing still holds the closure when the region ends.
    @inline(never)
    private func participate() {
        claimIterations(body!)
    }

    /// Polls for a ticket after `seen` for ``spinNanoseconds``, then sleeps until one arrives.
    private func waitForRegion(after seen: Int) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while true {
            let current = ticket.load(ordering: .acquiring)
            if current != seen { return current }
            polls += 1
            if polls & 63 == 0 {
                if DispatchTime.now().uptimeNanoseconds - start > Self.spinNanoseconds { break }
                sched_yield()
            }
        }
        pthread_mutex_lock(sleepMutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var current = ticket.load(ordering: .sequentiallyConsistent)
        while current == seen {
            pthread_cond_wait(wakeCondition, sleepMutex)
            current = ticket.load(ordering: .sequentiallyConsistent)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(sleepMutex)
        return current
    }
}

/// Carries the region's body into `concurrentPerform`'s `@Sendable` closure; safe because the
/// toolkit's regions write disjoint memory per iteration (see ``Parallelism``).
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
