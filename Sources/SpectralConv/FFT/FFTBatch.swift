/// A batched transform split into one contiguous chunk of its first batch axis per thread.
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
    private let inputStep: Int
    private let outputStep: Int

    /// Plans `descriptor` as up to `threads` chunks of its first batch axis, each a whole number
    /// of `unit`s long (so that chunks end where the caller's groups of arrays end).
    init(_ descriptor: FFTPlanDescriptor, threads: Int, unit: Int = 1, cache: FFTPlanCache) throws(SpectralConvError) {
        let axis = descriptor.batch[0]
        precondition(unit >= 1 && axis.n % unit == 0, "batch length must be a multiple of the unit")
        inputStep = axis.inputStride * (descriptor.kind != .realToComplex ? 2 : 1)
        outputStep = axis.outputStride * (descriptor.kind != .complexToReal ? 2 : 1)
        let units = axis.n / unit
        let pieces = max(1, min(threads, units))
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

    /// Transforms chunk `index`; `input` and `output` are the (64-byte aligned) arrays of the whole
    /// batch, the same pointer for an in-place transform.
    func execute<S: TensorScalar>(chunk index: Int, input: UnsafeMutablePointer<S>, output: UnsafeMutablePointer<S>) {
        let chunk = chunks[index]
        chunk.plan.execute(input: input + chunk.range.lowerBound * inputStep, output: output + chunk.range.lowerBound * outputStep)
    }
}
