/// The FFT path: convolution as multiplication of spectra (the convolution theorem).
///
/// For one call, with the decomposition of ``FFTConvolutionLayout`` (polyphase for stride, dilated
/// kernel, overlap-save tiles as extra batch items; B batch items, C' phase channels, T points,
/// F = TH·(TW/2+1) bins):
///
/// 1. every kernel map is zero-padded to T, scaled by 1/T (FFTW's inverse is unnormalised) and
///    transformed once: `Ŵ[f][o][c']` — one batched r2c plan, spectra interleaved per bin;
/// 2. every input map (tile, phase channel) is copied with its padding into T points and
///    transformed once: `X̂[f][b][c']`;
/// 3. per frequency bin a small complex matrix product sums over input channels — correlation
///    multiplies by the conjugate kernel spectrum — `Ŷ_f = X̂_f · Ŵ_fᴴ`, i.e.
///    `Ŷ[f][b][o] = Σ_c' X̂[f][b][g(o)·C'/G + c'] · conj(Ŵ[f][o][c'])`, through cgemm
///    (or a plain loop when the matrices are tiny, e.g. single-channel or depthwise);
/// 4. one c2r transform per output map (tile), and the valid `T − kP + 1` outputs of each tile are
///    copied into place.
///
/// Cost: `(B·C' + O·C'/G + B·O)` transforms of `O(T log T)` plus `8·F·B·(C'/G)·O` flops of products,
/// against `2·N·O·(C/G)·Ho·Wo·kH·kW` for the spatial paths: the FFT wins for large kernels and
/// many channels. Plans come from ``FFTPlanCache`` (created once per shape); buffers are kept
/// between calls.
final class FFTConvolution {
    let rigor: FFTPlanRigor
    private let realBuffer = ScratchBuffer()
    private let inputSpectra = ScratchBuffer()
    private let kernelSpectra = ScratchBuffer()
    private let outputSpectra = ScratchBuffer()

    init(rigor: FFTPlanRigor) { self.rigor = rigor }

    /// The layout and the three cached plans for one geometry and precision.
    struct Plan {
        let layout: FFTConvolutionLayout
        let kernelTransform: FFTPlan
        let inputTransform: FFTPlan
        let outputTransform: FFTPlan
        let threads: Int
    }

    /// Chooses the layout and fetches (or creates) its plans.
    /// - Throws: ``SpectralConvError/backend(_:)`` when FFTW cannot plan a transform.
    func prepare<S: TensorScalar>(geometry: ConvolutionGeometry, scalar: S.Type, threads: Int) throws(SpectralConvError) -> Plan {
        let layout = FFTConvolutionLayout(geometry: geometry, scalarBytes: MemoryLayout<S>.stride)
        let inputMaps = layout.batchItems * layout.phaseChannels
        let kernelMaps = geometry.outChannels * layout.phaseChannelsPerGroup
        let outputMaps = layout.batchItems * geometry.outChannels
        func descriptor(_ direction: FFTPlanDescriptor.Direction, maps: Int) -> FFTPlanDescriptor {
            FFTPlanDescriptor(precision: S.precision, direction: direction, dimensions: layout.dimensions, count: maps,
                              realStride: 1, realDistance: layout.points, complexStride: maps, complexDistance: 1,
                              rigor: rigor, threads: threads)
        }
        let cache = FFTPlanCache.shared
        return Plan(layout: layout,
                    kernelTransform: try cache.plan(for: descriptor(.forward, maps: kernelMaps)),
                    inputTransform: try cache.plan(for: descriptor(.forward, maps: inputMaps)),
                    outputTransform: try cache.plan(for: descriptor(.inverse, maps: outputMaps)),
                    threads: threads)
    }

    /// Computes the convolution (without bias) into `output`, `[N, O, Ho, Wo]`, fully overwriting it.
    func forward<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        plan: Plan, parallelism: Parallelism
    ) {
        let layout = plan.layout
        let g = layout.geometry
        let kernelMaps = plan.kernelTransform.descriptor.count
        let inputMaps = plan.inputTransform.descriptor.count
        let outputMaps = plan.outputTransform.descriptor.count
        let real = realBuffer.reserve(max(kernelMaps, inputMaps, outputMaps) * layout.points, of: S.self)
        let xHat = inputSpectra.reserve(2 * layout.bins * inputMaps, of: S.self)
        let wHat = kernelSpectra.reserve(2 * layout.bins * kernelMaps, of: S.self)
        let yHat = outputSpectra.reserve(2 * layout.bins * outputMaps, of: S.self)

        FFTMapCopy.fillKernels(weight: weight, into: real, layout: layout, parallelism: parallelism)
        plan.kernelTransform.execute(real: real, complex: UnsafeMutableRawPointer(wHat))
        FFTMapCopy.fillInputs(input: input, into: real, layout: layout, parallelism: parallelism)
        plan.inputTransform.execute(real: real, complex: UnsafeMutableRawPointer(xHat))
        SpectralProduct.multiply(inputs: xHat, kernels: wHat, outputs: yHat, layout: layout, parallelism: parallelism)
        plan.outputTransform.execute(real: real, complex: UnsafeMutableRawPointer(yHat))
        FFTMapCopy.extractOutputs(from: real, into: output, layout: layout, parallelism: parallelism)
        _ = g
    }
}
