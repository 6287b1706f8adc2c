/// A batched transform split into contiguous chunks of its first batch axis: at least one per
/// thread, and small enough that a chunk's arrays stay in cache while the caller fills,
/// transforms and consumes them in chunk-local buffers.
///
/// FFTW's own threads parallelise inside each transform with fine-grained synchronisation, which
/// collapses when the other core is busy; splitting the batch gives each thread a coarse,
/// independent chunk run by a single-threaded plan (FFTW's execute functions are thread-safe). A
/// batch of one array is the exception: its plan uses FFTW's threads. Chunks of length `q` and
/// `q + 1` need at most two plans, both cached by ``FFTPlanCache``.
struct FFTBatch {
    /// One contiguous range of the first batch axis and the plan that transforms it.
    struct Chunk {
        let range: Range<Int>
        let plan: FFTPlan
    }

    /// One chunk per thread (fewer when the batch is short), covering the batch in order.
    let chunks: [Chunk]

    /// Plans `descriptor` as chunks of its first batch axis, each a whole number of `unit`s long
    /// (so that chunks end where the caller's groups of arrays end): at least one per thread, and
    /// short enough (at most `maximumCount` arrays, or one unit) for a chunk's arrays to stay in cache.
    init(_ descriptor: FFTPlanDescriptor, threads: Int, unit: Int = 1, maximumCount: Int = .max, cache: FFTPlanCache) throws(SpectralConvError) {
        let axis = descriptor.batch[0]
        precondition(unit >= 1 && axis.n % unit == 0, "batch length must be a multiple of the unit")
        let units = axis.n / unit
        let unitsPerChunk = max(1, maximumCount / unit)
        let pieces = min(units, max(threads, (units + unitsPerChunk - 1) / unitsPerChunk))
        let (base, extra) = units.quotientAndRemainder(dividingBy: pieces)
        var chunks: [Chunk] = []
        var start = 0
        for piece in 0..<pieces {
            let size = (base + (piece < extra ? 1 : 0)) * unit
            let single = axis.n == 1 && descriptor.batch.count == 1
            let chunk = descriptor.withBatchCount(size, threads: single ? threads : 1)
            chunks.append(Chunk(range: start..<(start + size), plan: try cache.plan(for: chunk)))
            start += size
        }
        self.chunks = chunks
    }

    /// Transforms chunk `index` whose arrays start at the given pointers (chunk-local buffers).
    func execute<S: TensorScalar>(chunk index: Int, localInput: UnsafeMutablePointer<S>, localOutput: UnsafeMutablePointer<S>) {
        chunks[index].plan.execute(input: localInput, output: localOutput)
    }

    /// The most arrays any chunk holds.
    var largestChunk: Int { chunks.map(\.range.count).max() ?? 0 }
}
