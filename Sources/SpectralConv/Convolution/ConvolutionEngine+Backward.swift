/// The gradients of the forward convolution, through the same three paths.
///
/// | path | input gradient `dx` | weight gradient `dw` |
/// |---|---|---|
/// | direct | one stride-1 forward convolution per stride phase of dy with the reversed, per-group transposed kernel taps of that phase (``InputGradientDecomposition``), run by the direct microkernels | stride 1: per tap a dot product of dy and x over the wide output plane (``DirectConvolution/weightGradient(input:outputGradient:weightGradient:geometry:workspaces:parallelism:)``); strided: the forward with batch and channels exchanged, dy as the kernel (``WeightGradientDecomposition``), run by the direct microkernels |
/// | im2col | `W_gᵀ · dY_g` (GEMM) then col2im scatter-add | `dY_g · colsᵀ` (GEMM) summed over images |
/// | fft | the same phase decomposition through the FFT path: per bin `dX̂ = dŶ · Ŵ'ᴴ` with `Ŵ'` the spectrum of the reversed kernel, i.e. `dŶ · Ŵ` up to a linear phase — the adjoint of multiplying by `conj(Ŵ)` | the exchanged forward through the FFT path: per bin `Σ_n X̂ · conj(dŶ)`, the correlation of x with dy by the conjugate spectrum, cropped to the kernel support by the forward's valid window |
///
/// Each costs the forward's `N·O·(C/G)·Ho·Wo·kH·kW` multiply-adds (no products with inserted
/// zeros: strides are handled by phases, not by upsampling dy) plus copies of dy (cropped windows),
/// of x (exchanged axes) and of the small derived kernels. In the FFT path stride, dilation and
/// overlap-save tiling of the derived convolutions are the forward path's own (polyphase inputs,
/// materialised dilated kernels, tiles), so every geometry the forward supports is supported. The
/// FFT backward does not reuse spectra from a previous forward call (the engine keeps no spectra
/// between calls); each gradient transforms its operands once.
///
/// `auto` resolves through ``ConvolutionCostModel/predictedBackwardSeconds(for:gradient:algorithm:threads:)``;
/// `autotune` times the paths per gradient (``ConvolutionPass/backwardInput``, ``ConvolutionPass/backwardWeight``).
/// Calls take the engine's lock and reuse its workspaces; they enter the paths with a concrete
/// scalar type (the switch on `S.precision`), like ``forward(input:weight:bias:geometry:algorithm:)``.
extension ConvolutionEngine {
    /// `dL/dx` for the forward convolution described by `geometry`.
    /// - Parameters:
    ///   - outputGradient: `dL/dy`, `[N, O, Ho, Wo]` (or `[N, O, Lo]`).
    ///   - weight: `[O, C/G, kH, kW]` (or `[O, C/G, K]`).
    /// - Returns: `[N, C, H, W]` (or `[N, C, L]`).
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the tensors do not match the geometry.
    public func backwardInput<S: TensorScalar>(
        outputGradient: Tensor<S>, weight: Tensor<S>, geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        try Self.checkShape(outputGradient, geometry.outputShape, "output gradient")
        try Self.checkShape(weight, geometry.weightShape, "weight")
        let path = try concretePath(algorithm, pass: .backwardInput, geometry: geometry, precision: S.precision) { (candidate) throws(SpectralConvError) in
            _ = try backwardInput(outputGradient: outputGradient, weight: weight, geometry: geometry, algorithm: candidate)
        }
        let parallelism = Parallelism(threads: threads)
        lock.lock()
        defer { lock.unlock() }
        var failure: SpectralConvError?
        let result = Tensor<S>(shape: geometry.inputShape, unsafeUninitialized: { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                weight.withUnsafeBufferPointer { w in
                    let (dy, w, dx) = (UnsafeRawPointer(dy.baseAddress!), UnsafeRawPointer(w.baseAddress!), UnsafeMutableRawPointer(dx.baseAddress!))
                    do throws(SpectralConvError) {
                        switch S.precision {
                        case .single: try inputGradient(path, Float.self, dy, w, dx, geometry, parallelism)
                        case .double: try inputGradient(path, Double.self, dy, w, dx, geometry, parallelism)
                        }
                    } catch {
                        failure = error
                        dx.initializeMemory(as: S.self, repeating: 0, count: geometry.inputShape.reduce(1, *))
                    }
                }
            }
        })
        if let failure { throw failure }
        return result
    }

    /// `dL/dw` for the forward convolution described by `geometry`.
    /// - Parameters:
    ///   - input: `x`, `[N, C, H, W]` (or `[N, C, L]`).
    ///   - outputGradient: `dL/dy`, `[N, O, Ho, Wo]` (or `[N, O, Lo]`).
    /// - Returns: `[O, C/G, kH, kW]` (or `[O, C/G, K]`).
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the tensors do not match the geometry.
    public func backwardWeight<S: TensorScalar>(
        input: Tensor<S>, outputGradient: Tensor<S>, geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        try Self.checkShape(input, geometry.inputShape, "input")
        try Self.checkShape(outputGradient, geometry.outputShape, "output gradient")
        let path = try concretePath(algorithm, pass: .backwardWeight, geometry: geometry, precision: S.precision) { (candidate) throws(SpectralConvError) in
            _ = try backwardWeight(input: input, outputGradient: outputGradient, geometry: geometry, algorithm: candidate)
        }
        let parallelism = Parallelism(threads: threads)
        lock.lock()
        defer { lock.unlock() }
        var failure: SpectralConvError?
        let result = Tensor<S>(shape: geometry.weightShape, unsafeUninitialized: { dw in
            input.withUnsafeBufferPointer { x in
                outputGradient.withUnsafeBufferPointer { dy in
                    let (x, dy, dw) = (UnsafeRawPointer(x.baseAddress!), UnsafeRawPointer(dy.baseAddress!), UnsafeMutableRawPointer(dw.baseAddress!))
                    do throws(SpectralConvError) {
                        switch S.precision {
                        case .single: try weightGradient(path, Float.self, x, dy, dw, geometry, parallelism)
                        case .double: try weightGradient(path, Double.self, x, dy, dw, geometry, parallelism)
                        }
                    } catch {
                        failure = error
                        dw.initializeMemory(as: S.self, repeating: 0, count: geometry.weightShape.reduce(1, *))
                    }
                }
            }
        })
        if let failure { throw failure }
        return result
    }

    /// `dL/db[o] = Σ_{n,i,j} dL/dy[n, o, i, j]`, shape `[O]` — one reduction for every path
    /// (``reduceBias(_:batch:channels:plane:)``).
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the gradient does not match the geometry.
    public func backwardBias<S: TensorScalar>(outputGradient: Tensor<S>, geometry: ConvolutionGeometry) throws(SpectralConvError) -> Tensor<S> {
        try Self.checkShape(outputGradient, geometry.outputShape, "output gradient")
        return Self.reduceBias(outputGradient, batch: geometry.batch, channels: geometry.outChannels, plane: geometry.outHeight * geometry.outWidth,
                               parallelism: Parallelism(threads: threads))
    }

    /// `db[c] = Σ_{n, p} dy[n, c, p]` for `dy` of shape `[batch, channels, plane]`, summed in
    /// `Double` eight lanes at a time (cost one pass over dy). Entered with a concrete scalar type
    /// (one switch on the precision), so the loop is specialised and vectorised; channels are spread
    /// over `parallelism` for large gradients (each channel is summed by one thread in a fixed order,
    /// so the result does not depend on the thread count).
    static func reduceBias<S: TensorScalar>(
        _ dy: Tensor<S>, batch: Int, channels: Int, plane: Int, parallelism: Parallelism = Parallelism(threads: 1)
    ) -> Tensor<S> {
        let threads = batch * channels * plane >= 65_536 ? parallelism : Parallelism(threads: 1)
        return Tensor<S>(shape: [channels], unsafeUninitialized: { db in
            dy.withUnsafeBufferPointer { values in
                let (source, target) = (UnsafeRawPointer(values.baseAddress!), UnsafeMutableRawPointer(db.baseAddress!))
                threads.forEachChunk(of: channels, oversubscription: 1) { range in
                    switch S.precision {
                    case .single:
                        reduceBias(source.assumingMemoryBound(to: Float.self), into: target.assumingMemoryBound(to: Float.self),
                                   batch: batch, channels: range, channelCount: channels, plane: plane)
                    case .double:
                        reduceBias(source.assumingMemoryBound(to: Double.self), into: target.assumingMemoryBound(to: Double.self),
                                   batch: batch, channels: range, channelCount: channels, plane: plane)
                    }
                }
            }
        })
    }

    /// The loop of ``reduceBias(_:batch:channels:plane:parallelism:)`` for a concrete `T` and the
    /// channels `channels`: per channel, eight Double lanes over every map of that channel, then the
    /// lanes and the scalar tail are added.
    static func reduceBias<T: TensorScalar>(
        _ dy: UnsafePointer<T>, into db: UnsafeMutablePointer<T>, batch: Int, channels: Range<Int>, channelCount: Int, plane: Int
    ) {
        for c in channels {
            var lanes = SIMD8<Double>()
            var tail = 0.0
            for n in 0..<batch {
                let map = dy + (n * channelCount + c) * plane
                var index = 0
                while index + 8 <= plane {
                    lanes += SIMD8<Double>(UnsafeRawPointer(map + index).loadUnaligned(as: SIMD8<T>.self))
                    index += 8
                }
                while index < plane {
                    tail += Double(map[index])
                    index += 1
                }
            }
            db[c] = T(lanes.sum() + tail)
        }
    }

    static func checkShape<S: TensorScalar>(_ tensor: Tensor<S>, _ expected: [Int], _ name: String) throws(SpectralConvError) {
        guard tensor.shape == expected else {
            throw .invalidShape("\(name) shape \(tensor.shape) does not match the convolution's \(expected)")
        }
    }

    // MARK: - Concrete-typed drivers (the caller holds the lock)

    /// `dx` through `path`, with `T` concrete.
    func inputGradient<T: TensorScalar>(
        _ path: ConvolutionAlgorithm, _: T.Type, _ dy: UnsafeRawPointer, _ w: UnsafeRawPointer, _ dx: UnsafeMutableRawPointer,
        _ g: ConvolutionGeometry, _ parallelism: Parallelism
    ) throws(SpectralConvError) {
        let dy = dy.assumingMemoryBound(to: T.self), w = w.assumingMemoryBound(to: T.self), dx = dx.assumingMemoryBound(to: T.self)
        if path == .im2col {
            im2col.backwardInput(outputGradient: dy, weight: w, inputGradient: dx, geometry: g, parallelism: parallelism)
            return
        }
        let decomposition = InputGradientDecomposition(g)
        if decomposition.needsClearing { dx.update(repeating: 0, count: g.inputShape.reduce(1, *)) }
        for phase in decomposition.phases {
            guard let derived = phase.geometry else { continue }
            let kernel = gradientWorkspaces[0].reserve(derived.weightShape.reduce(1, *), of: T.self)
            InputGradientDecomposition.fillKernel(phase, weight: w, into: kernel, geometry: g)
            var source = dy
            if !phase.usesWholeGradient {
                let cropped = gradientWorkspaces[1].reserve(derived.inputShape.reduce(1, *), of: T.self)
                InputGradientDecomposition.cropGradient(phase, outputGradient: dy, into: cropped, geometry: g)
                source = UnsafePointer(cropped)
            }
            if phase.writesInputDirectly {
                try runPathPreparing(path, input: source, weight: kernel, output: dx, geometry: derived, parallelism: parallelism)
            } else {
                let result = gradientWorkspaces[2].reserve(derived.outputShape.reduce(1, *), of: T.self)
                try runPathPreparing(path, input: source, weight: kernel, output: result, geometry: derived, parallelism: parallelism)
                InputGradientDecomposition.scatter(phase, result: result, into: dx, geometry: g, parallelism: parallelism)
            }
        }
    }

    /// `dw` through `path`, with `T` concrete.
    func weightGradient<T: TensorScalar>(
        _ path: ConvolutionAlgorithm, _: T.Type, _ x: UnsafeRawPointer, _ dy: UnsafeRawPointer, _ dw: UnsafeMutableRawPointer,
        _ g: ConvolutionGeometry, _ parallelism: Parallelism
    ) throws(SpectralConvError) {
        let x = x.assumingMemoryBound(to: T.self), dy = dy.assumingMemoryBound(to: T.self), dw = dw.assumingMemoryBound(to: T.self)
        if path == .im2col {
            im2col.backwardWeight(input: x, outputGradient: dy, weightGradient: dw, geometry: g, parallelism: parallelism)
            return
        }
        if path == .direct && DirectConvolution.hasWeightGradientKernel(g) {
            DirectConvolution.weightGradient(input: x, outputGradient: dy, weightGradient: dw, geometry: g,
                                             workspaces: gradientWorkspaces, parallelism: parallelism)
            return
        }
        let decomposition = WeightGradientDecomposition(g)
        guard let derived = decomposition.geometry else {
            dw.update(repeating: 0, count: g.weightShape.reduce(1, *))
            return
        }
        let exchanged = gradientWorkspaces[0].reserve(derived.inputShape.reduce(1, *), of: T.self)
        let kernel = gradientWorkspaces[1].reserve(derived.weightShape.reduce(1, *), of: T.self)
        let result = gradientWorkspaces[2].reserve(derived.outputShape.reduce(1, *), of: T.self)
        decomposition.fillInput(x, into: exchanged, geometry: g, parallelism: parallelism)
        WeightGradientDecomposition.fillKernel(dy, into: kernel, geometry: g, parallelism: parallelism)
        try runPathPreparing(path, input: exchanged, weight: kernel, output: result, geometry: derived, parallelism: parallelism)
        WeightGradientDecomposition.transposeResult(result, into: dw, geometry: g)
    }
}
