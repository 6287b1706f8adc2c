import Foundation

/// The FFT path's per-map route, for geometries where every output map reads exactly one input map
/// (``FFTConvolutionLayout/hasOneInputMapPerOutput``: `C'/G = 1` — a single-channel image filtered
/// by one or several kernels, depthwise layers): the territory of `scipy.signal.fftconvolve` and
/// `oaconvolve`.
///
/// There is no sum over channels, so nothing has to wait for all input spectra: each input map
/// (overlap-save tile `b`, channel `c`) goes through one pipeline while it is in the thread's cache,
///
///     fill (copy + zero padding) → r2c → for each output o of c's group:
///         Ŷ = X̂ · conj(Ŵ_o)  (in place when the group has one output) → c2r → copy the valid tile out
///
/// with no packing, no shared spectra buffers and one synchronisation point per call. Cost per
/// input map: one r2c and `O/G` c2r transforms of T points plus `6·F` flops per output — the floor of
/// any FFT convolution. Threads take maps from a shared counter (each running single-threaded
/// plans); with fewer maps than threads, the maps run one after another, on plans that use FFTW's
/// threads when a map has at least 256×256 points (``FFTConvolutionLayout/perMapUsesFFTWThreads(threads:)``;
/// for smaller maps FFTW's thread hand-off costs more than it saves). Every map is computed the same way whichever thread takes it, so results do not depend
/// on the thread count or the scheduling.
///
/// **Kernel spectra are kept between calls.** The kernels' spectra stay in the engine's buffer,
/// tagged with the plan and a copy of the weights they came from; a call whose weights are
/// bit-for-bit the same (one `memcmp` of the weights) skips the kernel transforms and gets the
/// same result it would have computed — filtering a stream of images with one kernel pays for the
/// kernel once, as a prepared filter would, with nothing for the caller to manage. Changed weights
/// (a training step), another geometry, or a batched-route call in between recompute them.
extension FFTConvolution {
    /// The two single-map plans of the per-map route.
    struct PerMapTransforms {
        /// r2c of one map: `realDistance` scalars → `complexDistance` bins.
        let forward: FFTPlan
        /// c2r of one spectrum (destroys its input).
        let inverse: FFTPlan
        /// Whether the plans use FFTW's threads (fewer input maps than threads) and the maps run in turn.
        let usesFFTWThreads: Bool
    }

    /// The per-map route; see the extension's description. The caller holds the engine's lock.
    func forwardPerMap<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        plan: Plan, transforms: PerMapTransforms, parallelism: Parallelism
    ) {
        let layout = plan.layout
        let g = layout.geometry
        let (rd, cd) = (layout.realDistance, layout.complexDistance)
        let kernels = spectra[0].reserve(2 * plan.kernelMaps * cd, of: S.self)
        let kernelChunk = plan.kernelTransform.batches[0].largestChunk
        let workers = transforms.usesFFTWThreads ? 1 : parallelism.threads
        while chunkBuffers.count < parallelism.threads { chunkBuffers.append((ScratchBuffer(), ScratchBuffer())) }
        let outputsPerGroup = g.outChannelsPerGroup
        let spectraPerWorker = outputsPerGroup > 1 ? 2 : 1  // X̂, and Ŷ when X̂ serves several outputs
        let buffers = (0..<parallelism.threads).map { part in
            (real: chunkBuffers[part].real.reserve(max(kernelChunk, 1) * rd, of: S.self),
             spectra: chunkBuffers[part].spectra.reserve(2 * spectraPerWorker * cd, of: S.self))
        }

        if !holdsKernelSpectra(of: plan, weight: weight) {
            transformKernels(weight: weight, into: kernels, plan: plan, buffers: buffers.map(\.real), parallelism: parallelism)
            rememberKernelSpectra(of: plan, weight: weight)
        }

        let bins = layout.bins
        // Workers take the next input map from a shared counter rather than a fixed share, so a
        // worker that the scheduler delays (the other core busy) holds up fewer maps.
        let queue = MapQueue(count: plan.inputMaps)
        let mapWorkers = Parallelism(threads: workers)
        mapWorkers.forEachPartition(of: min(workers, plan.inputMaps)) { part, _ in
            let (real, x) = buffers[part]
            let y = outputsPerGroup > 1 ? x + 2 * cd : x
            while let plane = queue.next() {
                // plane = b·C + c; with C/G = 1 channel c is group c, whose outputs are c·(O/G)…
                let (item, channel) = plane.quotientAndRemainder(dividingBy: g.inChannels)
                FFTMapCopy.fillInputs(plane..<(plane + 1), input: input, into: real, layout: layout)
                transforms.forward.execute(input: real, output: x)
                for j in 0..<outputsPerGroup {
                    let o = channel * outputsPerGroup + j
                    SpectralProduct.multiplyConjugate(x, kernels + 2 * o * cd, into: y, bins: bins)
                    transforms.inverse.execute(input: y, output: real)
                    let map = item * g.outChannels + o
                    FFTMapCopy.extractOutputs(map..<(map + 1), from: real, into: output, layout: layout)
                }
            }
        }
    }

    /// Kernel spectra, map-major as FFTW writes them (`complexDistance` bins apart, scaled by 1/T):
    /// each thread fills and transforms its chunks of kernels straight into `kernels`.
    private func transformKernels<S: TensorScalar>(
        weight: UnsafePointer<S>, into kernels: UnsafeMutablePointer<S>, plan: Plan,
        buffers: [UnsafeMutablePointer<S>], parallelism: Parallelism
    ) {
        let layout = plan.layout
        let cd = layout.complexDistance
        let phases = layout.phases
        let chunks = plan.kernelTransform.batches[0].chunks.count
        parallelism.forEachPartition(of: chunks) { part, range in
            let real = buffers[part]
            for chunk in range {
                switch plan.kernelTransform {
                case .full(let transform):
                    let maps = transform.chunks[chunk].range
                    let spectra = kernels + 2 * maps.lowerBound * cd
                    FFTMapCopy.fillKernels(maps.lowerBound / phases ..< maps.upperBound / phases, weight: weight, into: real,
                                           rows: layout.transformHeight, layout: layout)
                    transform.execute(chunk: chunk, localInput: real, localOutput: spectra)
                case .pruned(let rows, let columns, let nonZeroRows):
                    let maps = rows.chunks[chunk].range
                    let spectra = kernels + 2 * maps.lowerBound * cd
                    FFTMapCopy.fillKernels(maps.lowerBound / phases ..< maps.upperBound / phases, weight: weight, into: real,
                                           rows: nonZeroRows, layout: layout)
                    rows.execute(chunk: chunk, localInput: real, localOutput: spectra)
                    FFTMapCopy.clearSpectrumRows(from: nonZeroRows, of: spectra, maps: 0..<maps.count, layout: layout)
                    columns.execute(chunk: chunk, localInput: spectra, localOutput: spectra)
                }
            }
        }
    }

    /// Bytes of the weight tensor `[O, C/G, kH, kW]`.
    private func weightBytes<S: TensorScalar>(_ plan: Plan, _: S.Type) -> Int {
        plan.layout.geometry.weightShape.reduce(1, *) * MemoryLayout<S>.stride
    }

    /// Whether `spectra[0]` holds the kernel spectra of exactly these weights under `plan`.
    private func holdsKernelSpectra<S: TensorScalar>(of plan: Plan, weight: UnsafePointer<S>) -> Bool {
        guard kernelSpectraPlan == plan.id else { return false }
        return memcmp(kernelSpectraWeights.pointer, weight, weightBytes(plan, S.self)) == 0
    }

    /// Records that `spectra[0]` now holds the kernel spectra of `weight` under `plan`.
    private func rememberKernelSpectra<S: TensorScalar>(of plan: Plan, weight: UnsafePointer<S>) {
        let bytes = weightBytes(plan, S.self)
        let copy = kernelSpectraWeights.reserve(bytes, of: UInt8.self)
        UnsafeMutableRawPointer(copy).copyMemory(from: weight, byteCount: bytes)
        kernelSpectraPlan = plan.id
    }
}

/// The input maps of one call, handed out one at a time to the threads that ask.
private final class MapQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var following = 0
    private let count: Int

    init(count: Int) { self.count = count }

    /// The next map not yet taken, or nil when all are.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard following < count else { return nil }
        following += 1
        return following - 1
    }
}
