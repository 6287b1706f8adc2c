import Testing
@testable import SpectralConv

/// FFTW's threads run on the toolkit's ``WorkerPool`` (``FFTPlanner``): a plan made with several
/// threads hands its loops to the pool, and computes what a one-thread plan computes.
@Suite struct FFTThreadsTests {
    /// Transforms the same `n×n` map with a one-thread plan and a `threads`-thread plan; returns
    /// both spectra and how many parallel loops the second handed to the pool.
    func spectra<S: TensorScalar>(_: S.Type, n: Int, threads: Int) throws -> (single: [S], threaded: [S], loops: Int) {
        let cache = FFTPlanCache()
        typealias Axis = FFTPlanDescriptor.Axis
        let bins = n / 2 + 1
        func plan(_ threads: Int) throws -> FFTPlan {
            try cache.plan(for: FFTPlanDescriptor(
                precision: S.precision, kind: .realToComplex,
                dimensions: [Axis(n: n, inputStride: n, outputStride: bins), Axis(n: n, inputStride: 1, outputStride: 1)],
                batch: [Axis(n: 1, inputStride: n * n, outputStride: n * bins)], inPlace: false, rigor: .estimate, threads: threads))
        }
        let input = ScratchBuffer(), output = ScratchBuffer()
        let real = input.reserve(n * n, of: S.self)
        let complex = output.reserve(2 * n * bins, of: S.self)
        func fill() {
            var random = SplitMix64(seed: 7)
            for index in 0..<(n * n) { real[index] = S(Double(random.next() % 2001) / 1000 - 1) }
        }
        fill()
        try plan(1).execute(input: real, output: complex)
        let single = Array(UnsafeBufferPointer(start: complex, count: 2 * n * bins))
        let threaded = try plan(threads)
        fill()
        let before = FFTPlanner.parallelLoops.load(ordering: .relaxed)
        threaded.execute(input: real, output: complex)
        let loops = FFTPlanner.parallelLoops.load(ordering: .relaxed) - before
        return (single, Array(UnsafeBufferPointer(start: complex, count: 2 * n * bins)), loops)
    }

    @Test(arguments: [2, 3])
    func floatPlansSplitOnThePoolAndAgree(threads: Int) throws {
        let (single, threaded, loops) = try spectra(Float.self, n: 256, threads: threads)
        #expect(loops > 0, "FFTW ran no parallel loop through the pool")
        let scale = single.map(abs).max() ?? 1
        let worst = zip(single, threaded).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "largest difference \(worst) of \(scale)")
    }

    @Test func doublePlansSplitOnThePoolAndAgree() throws {
        let (single, threaded, loops) = try spectra(Double.self, n: 256, threads: 2)
        #expect(loops > 0, "FFTW ran no parallel loop through the pool")
        let scale = single.map(abs).max() ?? 1
        let worst = zip(single, threaded).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-12 * scale, "largest difference \(worst) of \(scale)")
    }
}
