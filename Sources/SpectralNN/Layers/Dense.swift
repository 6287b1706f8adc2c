import SpectralConv

/// A fully connected layer (PyTorch's `nn.Linear`, Keras' `Dense`): `y = x·Wᵀ + b`.
///
/// - Input `[N, F]`, weight `[O, F]` (PyTorch's layout; Keras stores the transpose `[F, O]`),
///   bias `[O]`, output `[N, O]`.
/// - Gradients: `dW = dyᵀ·x`, `db = Σ_n dy[n, :]`, `dx = dy·W`.
/// - Weights start Glorot-uniform with `fanIn = F`, `fanOut = O`; the bias at 0.
public final class Dense<Scalar: TensorScalar>: Layer, ParallelLayer {
    public var name: String
    public var typeName: String { "Dense" }
    public var namePrefix: String { "dense" }
    /// F, the input features.
    public let inputFeatures: Int
    /// O, the output features.
    public let outputFeatures: Int
    /// `[O, F]`.
    public let weight: Parameter<Scalar>
    /// `[O]`, if the layer has one.
    public let bias: Parameter<Scalar>?
    /// The weight's distribution on ``reset(generator:)``.
    public let weightInitializer: Initializer
    /// Threads for the matrix products (blocks of 32 rows each; results do not depend on it).
    public var parallelism = Parallelism(threads: SharedEngine.default.threads)
    private var cachedInput: Tensor<Scalar>?

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when a feature count is below 1.
    public init(inputFeatures: Int, outputFeatures: Int, useBias: Bool = true, weightInitializer: Initializer = .glorotUniform,
                seed: UInt64 = 0, name: String = "") throws(SpectralConvError) {
        try LayerValidation.requireAtLeast(inputFeatures, 1, "inputFeatures", layer: "Dense")
        try LayerValidation.requireAtLeast(outputFeatures, 1, "outputFeatures", layer: "Dense")
        self.name = name
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.weightInitializer = weightInitializer
        var generator = SplitMix64(seed: seed)
        weight = Parameter(name: "weight", value: weightInitializer.tensor(shape: [outputFeatures, inputFeatures], generator: &generator))
        bias = useBias ? Parameter(name: "bias", value: Tensor(shape: [outputFeatures])) : nil
    }

    public var parameters: [Parameter<Scalar>] { bias.map { [weight, $0] } ?? [weight] }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = try Dense(inputFeatures: inputFeatures, outputFeatures: outputFeatures, useBias: bias != nil,
                             weightInitializer: weightInitializer, name: name)
        copy.weight.value = weight.value
        if let bias { copy.bias?.value = bias.value }
        copy.parallelism = parallelism
        return copy
    }

    public func reset(generator: inout SplitMix64) {
        weight.value = weightInitializer.tensor(shape: weight.shape, generator: &generator)
        bias?.value = Tensor(shape: [outputFeatures])
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        guard inputShape == [inputFeatures] else {
            throw .invalidShape("Dense expects [\(inputFeatures)] features per sample, got \(inputShape) (add a Flatten before it?)")
        }
        return [outputFeatures]
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireSampleShape(input.shape, [inputFeatures], layer: "Dense")
        cachedInput = input
        let n = input.shape[0], f = inputFeatures, o = outputFeatures
        let w = weight.value, b = bias?.value
        let parallelism = self.parallelism
        return input.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                withOptionalStorage(b) { b in
                    Tensor<Scalar>(shape: [n, o], unsafeUninitialized: { y in
                        DenseKernel.forward(x.baseAddress!, w.baseAddress!, b, y.baseAddress!, n: n, f: f, o: o, parallelism: parallelism)
                    })
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        try backward(outputGradient, needsInputGradient: true)!
    }

    public func backward(_ outputGradient: Tensor<Scalar>, needsInputGradient: Bool) throws(SpectralConvError) -> Tensor<Scalar>? {
        guard let input = cachedInput else { preconditionFailure("Dense.backward called before forward") }
        let n = input.shape[0], f = inputFeatures, o = outputFeatures
        guard outputGradient.shape == [n, o] else {
            throw .invalidShape("Dense: output gradient \(outputGradient.shape) does not match the output [\(n), \(o)]")
        }
        let w = weight.value, parallelism = self.parallelism
        var inputGradient: Tensor<Scalar>?
        outputGradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                let (dy, x) = (dy.baseAddress!, x.baseAddress!)
                weight.gradient = Tensor(shape: [o, f], unsafeUninitialized: { dw in
                    DenseKernel.weightGradient(dy, x, dw.baseAddress!, n: n, f: f, o: o, parallelism: parallelism)
                })
                if let bias {
                    bias.gradient = Tensor(shape: [o], unsafeUninitialized: { db in
                        DenseKernel.biasGradient(dy, db.baseAddress!, n: n, o: o)
                    })
                }
                guard needsInputGradient else { return }
                w.withUnsafeBufferPointer { w in
                    inputGradient = Tensor(shape: [n, f], unsafeUninitialized: { dx in
                        DenseKernel.inputGradient(dy, w.baseAddress!, dx.baseAddress!, n: n, f: f, o: o, parallelism: parallelism)
                    })
                }
            }
        }
        return inputGradient
    }

    public var spatialEffect: SpatialEffect { .global }

    /// `2·F·O` multiply-adds plus `O` bias additions.
    public func forwardFlops(inputShape: [Int]) -> Double {
        2 * Double(inputFeatures * outputFeatures) + (bias == nil ? 0 : Double(outputFeatures))
    }
}

/// Dense's products through OpenBLAS (``MatrixMultiply``), in blocks of ``blockRows`` rows of the
/// result spread over the threads. The block size is fixed, so every block is the same BLAS call
/// whatever the thread count and results do not depend on it. Cost: `2·N·F·O` flops per product.
enum DenseKernel {
    /// Rows of the result per BLAS call (and per parallel work item).
    static let blockRows = 32

    /// `y[n, o] = b[o] + Σ_f x[n, f]·w[o, f]` (`y = x·Wᵀ + b`; no bias when `b` is nil).
    static func forward<T: TensorScalar>(
        _ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ b: UnsafePointer<T>?, _ y: UnsafeMutablePointer<T>,
        n: Int, f: Int, o: Int, parallelism: Parallelism
    ) {
        forEachBlock(of: n, parallelism) { rows in
            for row in rows {
                if let b { (y + row * o).update(from: b, count: o) } else { (y + row * o).update(repeating: 0, count: o) }
            }
            MatrixMultiply.multiply(transposeB: true, m: rows.count, n: o, k: f, a: x + rows.lowerBound * f, lda: f,
                                    b: w, ldb: f, beta: 1, c: y + rows.lowerBound * o, ldc: o)
        }
    }

    /// `dw[o, f] = Σ_n dy[n, o]·x[n, f]` (`dW = dyᵀ·x`), in blocks of output units.
    static func weightGradient<T: TensorScalar>(
        _ dy: UnsafePointer<T>, _ x: UnsafePointer<T>, _ dw: UnsafeMutablePointer<T>, n: Int, f: Int, o: Int, parallelism: Parallelism
    ) {
        forEachBlock(of: o, parallelism) { units in
            MatrixMultiply.multiply(transposeA: true, m: units.count, n: f, k: n, a: dy + units.lowerBound, lda: o,
                                    b: x, ldb: f, c: dw + units.lowerBound * f, ldc: f)
        }
    }

    /// `dx[n, f] = Σ_o dy[n, o]·w[o, f]` (`dx = dy·W`), in blocks of samples.
    static func inputGradient<T: TensorScalar>(
        _ dy: UnsafePointer<T>, _ w: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, n: Int, f: Int, o: Int, parallelism: Parallelism
    ) {
        forEachBlock(of: n, parallelism) { rows in
            MatrixMultiply.multiply(m: rows.count, n: f, k: o, a: dy + rows.lowerBound * o, lda: o,
                                    b: w, ldb: f, c: dx + rows.lowerBound * f, ldc: f)
        }
    }

    /// `db[o] = Σ_n dy[n, o]`, summed in sample order.
    static func biasGradient<T: TensorScalar>(_ dy: UnsafePointer<T>, _ db: UnsafeMutablePointer<T>, n: Int, o: Int) {
        switch T.precision {
        case .single: sumRows(UnsafeRawPointer(dy).assumingMemoryBound(to: Float.self), into: UnsafeMutableRawPointer(db).assumingMemoryBound(to: Float.self), n: n, o: o)
        case .double: sumRows(UnsafeRawPointer(dy).assumingMemoryBound(to: Double.self), into: UnsafeMutableRawPointer(db).assumingMemoryBound(to: Double.self), n: n, o: o)
        }
    }

    private static func sumRows<T: TensorScalar>(_ dy: UnsafePointer<T>, into db: UnsafeMutablePointer<T>, n: Int, o: Int) {
        db.update(repeating: 0, count: o)
        for row in 0..<n {
            for unit in 0..<o { db[unit] += dy[row * o + unit] }
        }
    }

    /// Calls `body` for each block of ``blockRows`` of `0..<count`, the blocks spread over the threads.
    private static func forEachBlock(of count: Int, _ parallelism: Parallelism, _ body: (Range<Int>) -> Void) {
        let blocks = (count + blockRows - 1) / blockRows
        let threads = Parallelism(threads: min(parallelism.threads, max(blocks, 1)))
        threads.forEachChunk(of: blocks, oversubscription: 1) { range in
            for block in range { body((block * blockRows)..<min((block + 1) * blockRows, count)) }
        }
    }
}
