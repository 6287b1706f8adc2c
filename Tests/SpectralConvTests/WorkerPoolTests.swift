import CThreadPlacement
import Foundation
import Synchronization
import Testing
@testable import SpectralConv

/// ``WorkerPool``: every iteration exactly once, whatever the region size, thread count, idle gaps
/// (workers asleep), callers on several threads and regions nested in regions.
@Suite struct WorkerPoolTests {
    /// Runs one region on `pool` and returns how often each iteration ran.
    func runCounts(_ pool: WorkerPool, iterations: Int, threads: Int) -> [Int] {
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: iterations)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        pool.run(iterations: iterations, threads: threads) { counts[$0] += 1 }
        return Array(counts)
    }

    @Test func everyIterationRunsOnceInManyRegions() {
        let pool = WorkerPool(maximumWorkers: 3)
        for region in 0..<3000 {
            let iterations = 1 + region % 37
            let threads = 1 + region % 4
            let counts = runCounts(pool, iterations: iterations, threads: threads)
            #expect(counts == Array(repeating: 1, count: iterations), "region \(region)")
        }
    }

    @Test func sleepingWorkersWakeForTheNextRegion() {
        let pool = WorkerPool(maximumWorkers: 1)
        for _ in 0..<20 {
            #expect(runCounts(pool, iterations: 8, threads: 2) == Array(repeating: 1, count: 8))
            // Longer than the workers' spin, so they are asleep when the next region starts.
            Thread.sleep(forTimeInterval: 3e-3)
        }
    }

    /// Iteration 0 waits for iteration 1 to start: only a second thread can get past it.
    @Test func twoIterationsRunAtTheSameTime() {
        let pool = WorkerPool(maximumWorkers: 1)
        let started = Atomic<Int>(0)
        let overlapped = Atomic<Bool>(false)
        pool.run(iterations: 2, threads: 2) { index in
            started.add(1, ordering: .sequentiallyConsistent)
            let deadline = Date().addingTimeInterval(10)
            while started.load(ordering: .sequentiallyConsistent) < 2, Date() < deadline {}
            if started.load(ordering: .sequentiallyConsistent) == 2 { overlapped.store(true, ordering: .sequentiallyConsistent) }
        }
        let bothStartedBeforeEitherFinished = overlapped.load(ordering: .sequentiallyConsistent)
        #expect(bothStartedBeforeEitherFinished)
    }

    /// A worker that joins a region runs on another CPU than the caller started it on (the pool
    /// narrows the worker's affinity mask), so it never queues behind the caller.
    @Test(.enabled(if: spectralconv_allowed_cpu_count() >= 2))
    func workersRunOffTheCallersCPU() {
        let pool = WorkerPool(maximumWorkers: 1)
        let caller = pthread_self()
        var workerParts = 0
        var onCallersCPU: [String] = []
        for region in 0..<300 {
            if region % 50 == 49 { Thread.sleep(forTimeInterval: 3e-3) }   // the worker sleeps and wakes
            let workerCPU = Atomic<Int32>(-2)
            pool.run(iterations: 2, threads: 2) { _ in
                if pthread_equal(pthread_self(), caller) == 0 {
                    workerCPU.store(spectralconv_current_cpu(), ordering: .relaxed)
                }
                // About 30 µs, so the worker has time to join.
                let deadline = DispatchTime.now().uptimeNanoseconds + 30_000
                while DispatchTime.now().uptimeNanoseconds < deadline {}
            }
            let cpu = workerCPU.load(ordering: .relaxed)
            guard cpu != -2 else { continue }
            workerParts += 1
            if cpu == pool.latestCallerCPU { onCallersCPU.append("region \(region): CPU \(cpu)") }
        }
        #expect(workerParts > 0, "the worker never joined a region")
        #expect(onCallersCPU.isEmpty, "worker on the caller's CPU: \(onCallersCPU.prefix(5))")
    }

    @Test func callersOnSeveralThreadsAllComplete() {
        let pool = WorkerPool(maximumWorkers: 1)
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for region in 0..<300 {
                let iterations = 2 + (region + caller) % 9
                if runCounts(pool, iterations: iterations, threads: 2) != Array(repeating: 1, count: iterations) {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        let failed = failures.load(ordering: .relaxed)
        #expect(failed == 0)
    }

    @Test func nestedRegionsComplete() {
        let pool = WorkerPool(maximumWorkers: 1)
        let total = Atomic<Int>(0)
        pool.run(iterations: 4, threads: 2) { outer in
            pool.run(iterations: 5, threads: 2) { inner in total.add(outer * 5 + inner + 1, ordering: .relaxed) }
        }
        let sum = total.load(ordering: .relaxed)
        #expect(sum == (1...20).reduce(0, +))
    }

    @Test func moreThreadsThanWorkersStillRunsEverything() {
        let pool = WorkerPool(maximumWorkers: 1)
        #expect(runCounts(pool, iterations: 50, threads: 8) == Array(repeating: 1, count: 50))
    }

    @Test func parallelismChunksCoverTheRangeOnce() {
        for threads in 1...4 {
            let count = 1001
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
            defer { counts.deallocate() }
            counts.initialize(repeating: 0)
            Parallelism(threads: threads).forEachChunk(of: count) { range in
                for index in range { counts[index] += 1 }
            }
            #expect(Array(counts) == Array(repeating: 1, count: count), "threads \(threads)")
        }
    }
}
