/// A batched transform split into one contiguous chunk of its first batch axis per thread.
///
/// FFTW's own threads parallelise inside each transform with fine-grained synchronisation, which
/// collapses when the other core is busy; splitting the batch gives each thread a coarse,
/// independent chunk run by a single-threaded plan (FFTW's execute functions are thread-safe). A
/// batch of one array is the exception: its plan uses FFTW's threads. Chunks of length `q` and
/// `q + 1` need at most two plans, both cached by ``FFTPlanCache``.
struct FFTBatch {
    private let chunks: [(start: Int, plan: FFTPlan)]
    private let inputStride: Int
    private let outputStride: Int
    private let inputIsComplex: Bool
    private let outputIsComplex: Bool

    /// Plans `descriptor` as `threads` chunks of its first batch axis.
    init(_ descriptor: FFTPlanDescriptor, threads: Int, cache: FFTPlanCache) throws(SpectralConvError) {
        let axis = descriptor.batch[0]
        inputStride = axis.inputStride
        outputStride = axis.outputStride
        inputIsComplex = descriptor.kind != .realToComplex
        outputIsComplex = descriptor.kind != .complexToReal
        let pieces = max(1, min(threads, axis.n))
        let (base, extra) = axis.n.quotientAndRemainder(dividingBy: pieces)
        var chunks: [(Int, FFTPlan)] = []
        var start = 0
        for piece in 0..<pieces {
            let size = base + (piece < extra ? 1 : 0)
            let chunk = descriptor.withBatchCount(size, threads: axis.n == 1 && descriptor.batch.count == 1 ? threads : 1)
            chunks.append((start, try cache.plan(for: chunk)))
            start += size
        }
        self.chunks = chunks
    }

    /// Runs every chunk; `input` and `output` are the (64-byte aligned) arrays of the whole batch,
    /// the same pointer for an in-place transform.
    func execute<S: TensorScalar>(input: UnsafeMutablePointer<S>, output: UnsafeMutablePointer<S>, parallelism: Parallelism) {
        let chunks = self.chunks
        let inputStep = inputStride * (inputIsComplex ? 2 : 1)
        let outputStep = outputStride * (outputIsComplex ? 2 : 1)
        parallelism.forEachChunk(of: chunks.count, oversubscription: 1) { range in
            for index in range {
                let (start, plan) = chunks[index]
                plan.execute(input: input + start * inputStep, output: output + start * outputStep)
            }
        }
    }
}
