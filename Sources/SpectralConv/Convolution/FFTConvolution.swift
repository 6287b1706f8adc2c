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
/// between calls. Transforms run as per-thread chunks of each batch (``FFTBatch``), products by
/// bin blocks, copies by maps.
final class FFTConvolution {
    let rigor: FFTPlanRigor
    private let realBuffer = ScratchBuffer()
    private let spectra = (0..<6).map { _ in ScratchBuffer() }

    init(rigor: FFTPlanRigor) { self.rigor = rigor }

    /// The layout and the three batched transforms for one geometry and precision.
    struct Plan {
        let layout: FFTConvolutionLayout
        let kernelMaps: Int
        let inputMaps: Int
        let outputMaps: Int
        let kernelTransform: FFTBatch
        let inputTransform: FFTBatch
        let outputTransform: FFTBatch
    }

    /// Chooses the layout and fetches (or creates) its plans.
    /// - Throws: ``SpectralConvError/backend(_:)`` when FFTW cannot plan a transform.
    func prepare<S: TensorScalar>(geometry: ConvolutionGeometry, scalar: S.Type, threads: Int) throws(SpectralConvError) -> Plan {
        let layout = FFTConvolutionLayout(geometry: geometry, scalarBytes: MemoryLayout<S>.stride)
        let inputMaps = layout.batchItems * layout.phaseChannels
        let kernelMaps = geometry.outChannels * layout.phaseChannelsPerGroup
        let outputMaps = layout.batchItems * geometry.outChannels
        func batch(_ direction: FFTPlanDescriptor.Direction, maps: Int) throws(SpectralConvError) -> FFTBatch {
            try FFTBatch(precision: S.precision, direction: direction, dimensions: layout.dimensions, count: maps,
                         realDistance: layout.realDistance, complexDistance: layout.complexDistance,
                         rigor: rigor, threads: threads)
        }
        return Plan(layout: layout, kernelMaps: kernelMaps, inputMaps: inputMaps, outputMaps: outputMaps,
                    kernelTransform: try batch(.forward, maps: kernelMaps),
                    inputTransform: try batch(.forward, maps: inputMaps),
                    outputTransform: try batch(.inverse, maps: outputMaps))
    }

    /// Computes the convolution (without bias) into `output`, `[N, O, Ho, Wo]`, fully overwriting it.
    func forward<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        plan: Plan, parallelism: Parallelism
    ) {
        let layout = plan.layout
        let real = realBuffer.reserve(max(plan.kernelMaps, plan.inputMaps, plan.outputMaps) * layout.realDistance, of: S.self)
        func spectra(_ index: Int, maps: Int) -> UnsafeMutablePointer<S> {
            self.spectra[index].reserve(2 * maps * layout.complexDistance, of: S.self)
        }
        let w = spectra(0, maps: plan.kernelMaps)
        let wPacked = spectra(1, maps: plan.kernelMaps)
        let wSwapped = spectra(2, maps: plan.kernelMaps)
        let x = spectra(3, maps: plan.inputMaps)
        let xPacked = spectra(4, maps: plan.inputMaps)
        let y = spectra(5, maps: plan.outputMaps)

        FFTMapCopy.fillKernels(weight: weight, into: real, layout: layout, parallelism: parallelism)
        plan.kernelTransform.execute(real: real, complex: w, parallelism: parallelism)
        SpectralProduct.pack(w, into: wPacked, maps: plan.kernelMaps, swapPairs: false, layout: layout, parallelism: parallelism)
        SpectralProduct.pack(w, into: wSwapped, maps: plan.kernelMaps, swapPairs: true, layout: layout, parallelism: parallelism)
        FFTMapCopy.fillInputs(input: input, into: real, layout: layout, parallelism: parallelism)
        plan.inputTransform.execute(real: real, complex: x, parallelism: parallelism)
        SpectralProduct.pack(x, into: xPacked, maps: plan.inputMaps, swapPairs: false, layout: layout, parallelism: parallelism)
        SpectralProduct.multiply(inputs: xPacked, kernels: wPacked, swappedKernels: wSwapped, outputs: y, layout: layout, parallelism: parallelism)
        plan.outputTransform.execute(real: real, complex: y, parallelism: parallelism)
        FFTMapCopy.extractOutputs(from: real, into: output, layout: layout, parallelism: parallelism)
    }
}
