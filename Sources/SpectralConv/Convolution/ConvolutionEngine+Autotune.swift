/// Algorithm resolution: every public call turns its ``ConvolutionAlgorithm`` into a concrete path
/// here — itself for `direct`/`im2col`/`fft`, ``ConvolutionCostModel``'s prediction for `auto`, the
/// ``Autotuner``'s measured choice for `autotune`.
extension ConvolutionEngine {
    /// The ``autotuner`` key of `pass` on `geometry` in `precision` with this engine's threads, FFT
    /// rigor and measured transform costs (``ConvolutionCostModel/fftLengthCosts``).
    public func autotuneKey(for geometry: ConvolutionGeometry, pass: ConvolutionPass = .forward, precision: FloatingPointPrecision = .single) -> AutotuneKey {
        AutotuneKey(pass: pass, geometry: geometry, precision: precision, threads: threads, fftRigor: fftRigor,
                    fftLengths: costModel.fftLengthCosts?.fingerprint)
    }

    /// ``costModel``'s predicted seconds of `pass` on `geometry` through the concrete `path`.
    public func predictedSeconds(_ pass: ConvolutionPass, geometry: ConvolutionGeometry, path: ConvolutionAlgorithm) -> Double {
        costModel.predictedSeconds(for: geometry, algorithm: path, pass: pass, threads: threads)
    }

    /// The concrete path `algorithm` stands for when running `pass` on `geometry`, timing the
    /// candidates through `run` (which computes the pass once through a concrete path) when
    /// `algorithm` is `autotune` and the key has not been tuned yet.
    func concretePath(
        _ algorithm: ConvolutionAlgorithm, pass: ConvolutionPass, geometry: ConvolutionGeometry, precision: FloatingPointPrecision,
        run: (ConvolutionAlgorithm) throws(SpectralConvError) -> Void
    ) throws(SpectralConvError) -> ConvolutionAlgorithm {
        switch algorithm {
        case .direct, .im2col, .fft:
            return algorithm
        case .auto:
            return costModel.fastest(for: geometry, pass: pass, threads: threads)
        case .autotune:
            return try autotuner.choice(
                for: autotuneKey(for: geometry, pass: pass, precision: precision),
                predictedSeconds: { predictedSeconds(pass, geometry: geometry, path: $0) }, run: run)
        }
    }

    /// The concrete path `algorithm` stands for on `pass` of `geometry` in precision `S`. For
    /// `autotune` on a key not tuned yet this times the candidates on zero-filled scratch tensors of
    /// the layer's shapes (the values do not change the paths' speed) — the same cost as the first
    /// call with `autotune`, which it saves.
    /// - Throws: when every candidate fails to run (autotune only).
    public func resolve<S: TensorScalar>(
        _ algorithm: ConvolutionAlgorithm, for geometry: ConvolutionGeometry, pass: ConvolutionPass = .forward, scalar: S.Type
    ) throws(SpectralConvError) -> ConvolutionAlgorithm {
        var scratch: (x: Tensor<S>, w: Tensor<S>, dy: Tensor<S>)?
        return try concretePath(algorithm, pass: pass, geometry: geometry, precision: S.precision) { (path) throws(SpectralConvError) in
            let tensors = scratch ?? (Tensor<S>(shape: geometry.inputShape), Tensor<S>(shape: geometry.weightShape), Tensor<S>(shape: geometry.outputShape))
            scratch = tensors
            switch pass {
            case .forward: _ = try forward(input: tensors.x, weight: tensors.w, geometry: geometry, algorithm: path)
            case .backwardInput: _ = try backwardInput(outputGradient: tensors.dy, weight: tensors.w, geometry: geometry, algorithm: path)
            case .backwardWeight: _ = try backwardWeight(input: tensors.x, outputGradient: tensors.dy, geometry: geometry, algorithm: path)
            }
        }
    }
}
