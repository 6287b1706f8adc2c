/// A batch of same-size real transforms, split into one contiguous chunk per thread.
///
/// FFTW's own threads parallelise inside each transform with fine-grained synchronisation, which
/// collapses when the other core is busy; splitting the batch gives each thread a coarse, independent
/// chunk executed by a single-threaded plan (FFTW's execute functions are thread-safe). A batch of a
/// single transform is the exception: its plan uses FFTW's threads. Chunks of size `q` and `q + 1`
/// need at most two plans, both cached by ``FFTPlanCache``.
struct FFTBatch {
    private let chunks: [(start: Int, plan: FFTPlan)]
    private let realDistance: Int
    private let complexDistance: Int

    /// Plans `count` transforms of `dimensions` (see ``FFTPlanDescriptor`` for the layout).
    init(
        precision: FloatingPointPrecision, direction: FFTPlanDescriptor.Direction, dimensions: [Int], count: Int,
        realDistance: Int, complexDistance: Int, rigor: FFTPlanRigor, threads: Int
    ) throws(SpectralConvError) {
        self.realDistance = realDistance
        self.complexDistance = complexDistance
        let pieces = max(1, min(threads, count))
        let (base, extra) = count.quotientAndRemainder(dividingBy: pieces)
        var chunks: [(Int, FFTPlan)] = []
        var start = 0
        for piece in 0..<pieces {
            let size = base + (piece < extra ? 1 : 0)
            let descriptor = FFTPlanDescriptor(
                precision: precision, direction: direction, dimensions: dimensions, count: size,
                realDistance: realDistance, complexDistance: complexDistance, rigor: rigor,
                threads: count == 1 ? threads : 1)
            chunks.append((start, try FFTPlanCache.shared.plan(for: descriptor)))
            start += size
        }
        self.chunks = chunks
    }

    /// Transforms every array of the batch; arrays start at multiples of the distances from the
    /// given (64-byte aligned) base pointers; `complex` holds interleaved `(re, im)` scalars.
    func execute<S: TensorScalar>(real: UnsafeMutablePointer<S>, complex: UnsafeMutablePointer<S>, parallelism: Parallelism) {
        let chunks = self.chunks
        let (realDistance, complexDistance) = (self.realDistance, self.complexDistance)
        parallelism.forEachChunk(of: chunks.count, oversubscription: 1) { range in
            for index in range {
                let (start, plan) = chunks[index]
                plan.execute(real: real + start * realDistance, complex: complex + 2 * start * complexDistance)
            }
        }
    }
}
