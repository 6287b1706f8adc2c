/// The timed part of a layer benchmark, shared by ``LayerBenchmark``, ``SweepBenchmark`` and
/// ``LayerExplanation``: warm-up (plans and workspaces built, one untimed call), a pause for
/// OpenBLAS' spinning threads, then `repeats` timed calls.
extension LayerBenchmark {
    /// Times `repeats` forward calls of `algorithm` after one untimed call that builds its plans and
    /// workspaces (``ConvolutionEngine/prepare(_:geometry:scalar:)``) and, when `settle`, a pause for
    /// OpenBLAS' threads (``settleBLASThreads()``); returns the timings and the last output.
    /// With `minimumSeconds > 0`, fast calls are repeated until that much time is timed (at most
    /// `100·repeats` calls). `warmUpLimit`: when the warm-up call takes longer (seconds), nothing is
    /// timed and the result is nil with the warm-up's time.
    static func timeForward(
        engine: ConvolutionEngine, input: Tensor<Float>, weight: Tensor<Float>, geometry: ConvolutionGeometry,
        algorithm: ConvolutionAlgorithm, repeats: Int, settle: Bool = true, minimumSeconds: Double = 0,
        warmUpLimit: Double
    ) throws(SpectralConvError) -> (timing: TimingSummary?, output: Tensor<Float>, warmUpMs: Double) {
        let warmUpMs = try warmUp(engine: engine, geometry: geometry, algorithm: algorithm)
        var output = Tensor<Float>(shape: [])
        guard warmUpMs <= warmUpLimit * 1e3 else { return (nil, output, warmUpMs) }
        if settle { settleBLASThreads() }
        let timing = try TimingSummary.measure(repeats: repeats, minimumSeconds: minimumSeconds, maximumRepeats: 100 * repeats) { () throws(SpectralConvError) in
            output = try engine.forward(input: input, weight: weight, geometry: geometry, algorithm: algorithm)
        }
        return (timing, output, warmUpMs)
    }

    /// One untimed-for-the-statistics call of `algorithm` that builds its plans and workspaces
    /// (``ConvolutionEngine/prepare(_:geometry:scalar:)``; for `autotune` the tuning); its wall time in ms.
    static func warmUp(engine: ConvolutionEngine, geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm) throws(SpectralConvError) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try engine.prepare(algorithm, geometry: geometry, scalar: Float.self)
        return TimingSummary.milliseconds(clock.now - start)
    }

    /// ``timeForward(engine:input:weight:geometry:algorithm:repeats:settle:minimumSeconds:warmUpLimit:)``
    /// without a limit on the warm-up: always timed.
    static func timeForward(
        engine: ConvolutionEngine, input: Tensor<Float>, weight: Tensor<Float>, geometry: ConvolutionGeometry,
        algorithm: ConvolutionAlgorithm, repeats: Int, settle: Bool = true, minimumSeconds: Double = 0
    ) throws(SpectralConvError) -> (timing: TimingSummary, output: Tensor<Float>) {
        let measured = try timeForward(engine: engine, input: input, weight: weight, geometry: geometry, algorithm: algorithm,
                                       repeats: repeats, settle: settle, minimumSeconds: minimumSeconds, warmUpLimit: .infinity)
        // No warm-up exceeds an infinite limit, so there always is a timing.
        return (measured.timing!, measured.output)
    }

    /// Times `repeats` input-gradient calls and then `repeats` weight-gradient calls of `algorithm`
    /// for the output gradient `outputGradient`, after one untimed call of each (and, when `settle`,
    /// a pause for OpenBLAS' threads); returns the timings and the last gradients. `minimumSeconds`
    /// as for ``timeForward(engine:input:weight:geometry:algorithm:repeats:settle:minimumSeconds:warmUpLimit:)``.
    static func timeBackward(
        engine: ConvolutionEngine, input: Tensor<Float>, weight: Tensor<Float>, outputGradient dy: Tensor<Float>,
        geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm, repeats: Int, settle: Bool = true, minimumSeconds: Double = 0
    ) throws(SpectralConvError) -> (input: TimingSummary, weight: TimingSummary, dx: Tensor<Float>, dw: Tensor<Float>) {
        _ = try engine.backwardInput(outputGradient: dy, weight: weight, geometry: geometry, algorithm: algorithm)
        _ = try engine.backwardWeight(input: input, outputGradient: dy, geometry: geometry, algorithm: algorithm)
        if settle { settleBLASThreads() }
        var dx = Tensor<Float>(shape: []), dw = Tensor<Float>(shape: [])
        let inputTiming = try TimingSummary.measure(repeats: repeats, minimumSeconds: minimumSeconds, maximumRepeats: 100 * repeats) { () throws(SpectralConvError) in
            dx = try engine.backwardInput(outputGradient: dy, weight: weight, geometry: geometry, algorithm: algorithm)
        }
        let weightTiming = try TimingSummary.measure(repeats: repeats, minimumSeconds: minimumSeconds, maximumRepeats: 100 * repeats) { () throws(SpectralConvError) in
            dw = try engine.backwardWeight(input: input, outputGradient: dy, geometry: geometry, algorithm: algorithm)
        }
        return (inputTiming, weightTiming, dx, dw)
    }
}
