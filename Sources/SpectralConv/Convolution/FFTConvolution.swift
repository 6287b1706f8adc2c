/// The FFT path: convolution as multiplication of spectra (the convolution theorem).
///
/// For one call, with the decomposition of ``FFTConvolutionLayout`` (polyphase for stride, dilated
/// kernel, overlap-save tiles as extra batch items; B batch items, C' phase channels, T points,
/// F = TH·(TW/2+1) bins):
///
/// 1. every kernel map is zero-padded to T points, scaled by 1/T (FFTW's inverse is unnormalised)
///    and transformed once: `O·C'/G` r2c transforms;
/// 2. every input map (tile, phase channel) is copied with its padding into T points and
///    transformed once: `B·C'` r2c transforms, each reused by all O output channels;
/// 3. per frequency bin a small complex matrix product sums over the input channels
///    (``SpectralProduct``): `Ŷ_f = X̂_f · Ŵ_fᴴ`;
/// 4. one c2r transform per output map (tile), `B·O` in all, and the valid `T − kP + 1` outputs of
///    each tile are copied into place.
///
/// Cost: `(B·C' + O·C'/G + B·O)` transforms of `O(T log T)` plus `8·F·B·(C'/G)·O` flops of products,
/// against `2·N·O·(C/G)·Ho·Wo·kH·kW` for the spatial paths: the FFT wins for large kernels with
/// many channels. Plans come from ``FFTPlanCache`` (created once per shape); buffers are kept
/// between calls.
///
/// Parallelism: three fan-outs per call. (1) each thread takes its chunk of kernels and of input
/// planes through fill → transform → pack while the maps are in its cache; (2) the products split
/// by bin blocks; (3) each thread inverse-transforms its chunk of output maps and copies them out.
/// Few synchronisation points keep the path steady when the machine's other core is busy.
///
/// When every output map reads a single input map (``FFTConvolutionLayout/hasOneInputMapPerOutput``:
/// single-channel images, filter banks, depthwise layers) the per-map route replaces steps 2–4 by
/// one cache-resident pipeline per map, and kernel spectra are kept between calls with unchanged
/// weights (see `FFTConvolution+PerMap.swift`).
final class FFTConvolution {
    let rigor: FFTPlanRigor
    let planCache: FFTPlanCache
    /// The measured transform costs layouts are chosen with (nil: the fixed rule).
    let lengthCosts: FFTLengthCosts?
    /// The packed kernel and input spectra and the output spectra, shared by all threads.
    let spectra = (0..<3).map { _ in ScratchBuffer() }
    /// Per-thread chunk buffers: real maps and their spectra.
    var chunkBuffers: [(real: ScratchBuffer, spectra: ScratchBuffer)] = []
    /// What `spectra[0]` holds when the per-map route may reuse it: the kernel spectra of plan
    /// `kernelSpectraPlan` for the weights copied into `kernelSpectraWeights`. Nil when unknown.
    var kernelSpectraPlan: Int?
    let kernelSpectraWeights = ScratchBuffer()

    init(rigor: FFTPlanRigor, planCache: FFTPlanCache, lengthCosts: FFTLengthCosts? = nil) {
        self.rigor = rigor
        self.planCache = planCache
        self.lengthCosts = lengthCosts
    }

    /// The layout and the transforms for one geometry and precision.
    struct Plan {
        /// Unique within this engine: names the plan whose kernel spectra a buffer holds.
        let id: Int
        let layout: FFTConvolutionLayout
        let kernelMaps: Int
        let inputMaps: Int
        let outputMaps: Int
        /// Kernel transform: one 2-D r2c batch, or (pruned) row r2c transforms of the `kP` non-zero
        /// rows followed by in-place column transforms.
        let kernelTransform: KernelTransform
        let route: Route
    }

    /// How input maps become output maps.
    enum Route {
        /// Batched chunks of forward transforms, per-bin products over channels, batched inverses.
        case batched(inputTransform: FFTBatch, outputTransform: FFTBatch)
        /// One map at a time (``FFTConvolutionLayout/hasOneInputMapPerOutput``).
        case perMap(PerMapTransforms)
    }

    /// How kernel spectra are computed. A kernel occupies only the first `kP` of `TH` rows, so the
    /// 2-D transform (rows, then columns) can skip the all-zero rows' transforms: `kP/TH` of the
    /// row work plus all the column work, instead of all of both.
    enum KernelTransform {
        case full(FFTBatch)
        case pruned(rows: FFTBatch, columns: FFTBatch, nonZeroRows: Int)

        /// The batches involved (their chunks coincide: same maps, same unit, same limits).
        var batches: [FFTBatch] {
            switch self {
            case .full(let batch): return [batch]
            case .pruned(let rows, let columns, _): return [rows, columns]
            }
        }
    }

    /// Bytes of real maps plus spectra a chunk may hold (about half of a 1 MiB L2).
    static let chunkBytes = 512 << 10

    /// Plans already made by this engine, by geometry, precision and threads: a layer called every
    /// training step skips the layout search and the plan-cache lookups.
    private var plans: [PlanKey: Plan] = [:]
    private var plansMade = 0

    private struct PlanKey: Hashable {
        let geometry: ConvolutionGeometry
        let precision: FloatingPointPrecision
        let threads: Int
    }

    /// The layout and plans for `geometry`, from this engine's memo or newly made.
    /// The caller (the engine) holds its lock.
    /// - Throws: ``SpectralConvError/backend(_:)`` when FFTW cannot plan a transform.
    func prepare<S: TensorScalar>(geometry: ConvolutionGeometry, scalar: S.Type, threads: Int) throws(SpectralConvError) -> Plan {
        let key = PlanKey(geometry: geometry, precision: S.precision, threads: threads)
        if let plan = plans[key] { return plan }
        if plans.count >= 64 { plans.removeAll() }
        let plan = try makePlan(geometry: geometry, scalar: S.self, threads: threads)
        plans[key] = plan
        return plan
    }

    /// Chooses the layout and fetches (or creates) its plans.
    private func makePlan<S: TensorScalar>(geometry: ConvolutionGeometry, scalar: S.Type, threads: Int) throws(SpectralConvError) -> Plan {
        typealias Axis = FFTPlanDescriptor.Axis
        let layout = FFTConvolutionLayout(geometry: geometry, scalarBytes: MemoryLayout<S>.stride, lengthCosts: lengthCosts)
        let inputMaps = layout.batchItems * layout.phaseChannels
        let kernelMaps = geometry.outChannels * layout.phaseChannelsPerGroup
        let outputMaps = layout.batchItems * geometry.outChannels
        let (th, tw) = (layout.transformHeight, layout.transformWidth)
        let half = tw / 2 + 1
        let (rd, cd) = (layout.realDistance, layout.complexDistance)
        // Real side row-major [TH][TW], complex side [TH][TW/2+1]; one 1-D axis when TH == 1.
        let realAxes = th == 1 ? [Axis(n: tw, inputStride: 1, outputStride: 1)]
            : [Axis(n: th, inputStride: tw, outputStride: half), Axis(n: tw, inputStride: 1, outputStride: 1)]
        func descriptor(_ kind: FFTPlanDescriptor.Kind, dimensions: [Axis], batch: [Axis], inPlace: Bool = false, threads: Int = 1) -> FFTPlanDescriptor {
            FFTPlanDescriptor(precision: S.precision, kind: kind, dimensions: dimensions, batch: batch, inPlace: inPlace, rigor: rigor, threads: threads)
        }
        let phases = layout.phases
        // Chunks of about half a megabyte of real maps and spectra, so that a chunk is filled,
        // transformed and packed (or transformed back and copied out) while it is in L2.
        let chunkMaps = max(1, Self.chunkBytes / ((rd + 2 * cd) * MemoryLayout<S>.stride))
        func forward(maps: Int) throws(SpectralConvError) -> FFTBatch {
            try FFTBatch(descriptor(.realToComplex, dimensions: realAxes, batch: [Axis(n: maps, inputStride: rd, outputStride: cd)]),
                         threads: threads, unit: phases, maximumCount: chunkMaps, cache: planCache)
        }
        let inverseAxes = realAxes.map { Axis(n: $0.n, inputStride: $0.outputStride, outputStride: $0.inputStride) }

        let nonZeroRows = layout.phaseKernelHeight
        let kernelTransform: KernelTransform
        if th > 1 && 2 * nonZeroRows <= th {
            let rows = try FFTBatch(descriptor(.realToComplex, dimensions: [Axis(n: tw, inputStride: 1, outputStride: 1)],
                                               batch: [Axis(n: kernelMaps, inputStride: rd, outputStride: cd),
                                                       Axis(n: nonZeroRows, inputStride: tw, outputStride: half)]),
                                    threads: threads, unit: phases, maximumCount: chunkMaps, cache: planCache)
            let columns = try FFTBatch(descriptor(.complexForward, dimensions: [Axis(n: th, inputStride: half, outputStride: half)],
                                                  batch: [Axis(n: kernelMaps, inputStride: cd, outputStride: cd),
                                                          Axis(n: half, inputStride: 1, outputStride: 1)], inPlace: true),
                                       threads: threads, unit: phases, maximumCount: chunkMaps, cache: planCache)
            kernelTransform = .pruned(rows: rows, columns: columns, nonZeroRows: nonZeroRows)
        } else {
            kernelTransform = .full(try forward(maps: kernelMaps))
        }
        let route: Route
        if layout.hasOneInputMapPerOutput {
            // One map per transform; FFTW's own threads only when there are fewer maps than threads
            // and the maps are large (FFTConvolutionLayout.perMapUsesFFTWThreads).
            let fftwThreads = layout.perMapUsesFFTWThreads(threads: threads) ? threads : 1
            let one = Axis(n: 1, inputStride: rd, outputStride: cd)
            route = .perMap(PerMapTransforms(
                forward: try planCache.plan(for: descriptor(.realToComplex, dimensions: realAxes, batch: [one], threads: fftwThreads)),
                inverse: try planCache.plan(for: descriptor(.complexToReal, dimensions: inverseAxes,
                                                            batch: [Axis(n: 1, inputStride: cd, outputStride: rd)], threads: fftwThreads)),
                usesFFTWThreads: fftwThreads > 1))
        } else {
            let inverse = try FFTBatch(descriptor(.complexToReal, dimensions: inverseAxes, batch: [Axis(n: outputMaps, inputStride: cd, outputStride: rd)]),
                                       threads: threads, maximumCount: chunkMaps, cache: planCache)
            route = .batched(inputTransform: try forward(maps: inputMaps), outputTransform: inverse)
        }
        plansMade += 1
        return Plan(id: plansMade, layout: layout, kernelMaps: kernelMaps, inputMaps: inputMaps, outputMaps: outputMaps,
                    kernelTransform: kernelTransform, route: route)
    }

    /// Computes the convolution (without bias) into `output`, `[N, O, Ho, Wo]`, fully overwriting it.
    func forward<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        plan: Plan, parallelism: Parallelism
    ) {
        switch plan.route {
        case .batched(let inputTransform, let outputTransform):
            forwardBatched(input: input, weight: weight, output: output, plan: plan,
                           inputTransform: inputTransform, outputTransform: outputTransform, parallelism: parallelism)
        case .perMap(let transforms):
            forwardPerMap(input: input, weight: weight, output: output, plan: plan, transforms: transforms, parallelism: parallelism)
        }
    }

    /// The batched route (steps 1–4 of the type's description).
    private func forwardBatched<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        plan: Plan, inputTransform: FFTBatch, outputTransform: FFTBatch, parallelism: Parallelism
    ) {
        kernelSpectraPlan = nil  // spectra[0] is overwritten with packed kernels
        let layout = plan.layout
        let (rd, cd) = (layout.realDistance, layout.complexDistance)
        let wPacked = spectra[0].reserve(2 * 2 * plan.kernelMaps * cd, of: S.self)  // with the swapped pairs interleaved
        let xPacked = spectra[1].reserve(2 * plan.inputMaps * cd, of: S.self)
        let y = spectra[2].reserve(2 * plan.outputMaps * cd, of: S.self)
        let largest = max(plan.kernelTransform.batches.map(\.largestChunk).max()!, inputTransform.largestChunk, outputTransform.largestChunk)
        while chunkBuffers.count < parallelism.threads { chunkBuffers.append((ScratchBuffer(), ScratchBuffer())) }
        let buffers = (0..<parallelism.threads).map { part in
            (real: chunkBuffers[part].real.reserve(largest * rd, of: S.self), spectra: chunkBuffers[part].spectra.reserve(2 * largest * cd, of: S.self))
        }
        let phases = layout.phases

        // Phase 1 — each thread takes its share of kernel chunks and input chunks through
        // fill → transform → pack in its own chunk buffers, so they stay in cache.
        let kernelChunks = plan.kernelTransform.batches[0].chunks.count
        let inputChunks = inputTransform.chunks.count
        parallelism.forEachPartition(of: parallelism.threads) { part, _ in
            let (real, local) = buffers[part]
            for chunk in Parallelism.partition(kernelChunks, part: part, of: parallelism.threads) {
                switch plan.kernelTransform {
                case .full(let transform):
                    let maps = transform.chunks[chunk].range
                    FFTMapCopy.fillKernels(maps.lowerBound / phases ..< maps.upperBound / phases, weight: weight, into: real,
                                           rows: layout.transformHeight, layout: layout)
                    transform.execute(chunk: chunk, localInput: real, localOutput: local)
                    SpectralProduct.pack(local, into: wPacked, withSwappedPairs: true, maps: maps, count: plan.kernelMaps, layout: layout)
                case .pruned(let rows, let columns, let nonZeroRows):
                    let maps = rows.chunks[chunk].range
                    FFTMapCopy.fillKernels(maps.lowerBound / phases ..< maps.upperBound / phases, weight: weight, into: real,
                                           rows: nonZeroRows, layout: layout)
                    rows.execute(chunk: chunk, localInput: real, localOutput: local)
                    FFTMapCopy.clearSpectrumRows(from: nonZeroRows, of: local, maps: 0..<maps.count, layout: layout)
                    columns.execute(chunk: chunk, localInput: local, localOutput: local)
                    SpectralProduct.pack(local, into: wPacked, withSwappedPairs: true, maps: maps, count: plan.kernelMaps, layout: layout)
                }
            }
            for chunk in Parallelism.partition(inputChunks, part: part, of: parallelism.threads) {
                let maps = inputTransform.chunks[chunk].range
                FFTMapCopy.fillInputs(maps.lowerBound / phases ..< maps.upperBound / phases, input: input, into: real, layout: layout)
                inputTransform.execute(chunk: chunk, localInput: real, localOutput: local)
                SpectralProduct.pack(local, into: xPacked, maps: maps, count: plan.inputMaps, layout: layout)
            }
        }
        // Phase 2 — the per-bin products, split by bin blocks.
        SpectralProduct.multiply(inputs: xPacked, kernels: wPacked, outputs: y, layout: layout, parallelism: parallelism)
        // Phase 3 — each thread transforms its share of output chunks back into its chunk buffer and
        // copies their valid parts out.
        let outputChunks = outputTransform.chunks.count
        parallelism.forEachPartition(of: parallelism.threads) { part, _ in
            let real = buffers[part].real
            for chunk in Parallelism.partition(outputChunks, part: part, of: parallelism.threads) {
                let maps = outputTransform.chunks[chunk].range
                outputTransform.execute(chunk: chunk, localInput: y + 2 * maps.lowerBound * cd, localOutput: real)
                FFTMapCopy.extractOutputs(maps, from: real, into: output, layout: layout)
            }
        }
    }
}
