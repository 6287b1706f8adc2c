import SpectralConv
import SpectralNN
import Testing
import SpectralTestSupport

/// ConvTranspose2D: the definition (a scatter), Float64 central-difference gradients on every path,
/// shapes and summary in a Sequential, initialisation fans, typed errors.
@Suite("ConvTranspose2D")
struct ConvTranspose2DTests {
    static let engine = try! ConvolutionEngine(threads: 1)

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var input: [Int]
        var outputChannels: Int
        var kernel: SpatialPair
        var stride: SpatialPair = 1
        var padding: Padding = .valid
        var outputPadding: SpatialPair = 0
        var dilation: SpatialPair = 1
        var groups = 1
        /// `[N, O, Ho, Wo]` from `(H − 1)·s − pT − pB + d·(k − 1) + outputPadding + 1`, worked out by hand.
        var expectedOutput: [Int]

        func layer(_ algorithm: ConvolutionAlgorithm) throws -> ConvTranspose2D<Double> {
            let layer = try ConvTranspose2D<Double>(inputChannels: input[1], outputChannels: outputChannels, kernelSize: kernel,
                                                    stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation,
                                                    groups: groups, algorithm: algorithm, engine: ConvTranspose2DTests.engine, seed: 31)
            layer.bias!.value = .uniform(shape: [outputChannels], seed: 32)
            return layer
        }
    }

    static let cases: [Case] = [
        // (4 − 1)·2 − 2 + 2 + 1 + 1 = 8, (5 − 1)·2 − 2 + 2 + 1 + 1 = 10.
        .init(description: "stride 2 padding 1 output padding 1", input: [2, 3, 4, 5], outputChannels: 4, kernel: 3, stride: 2,
              padding: .symmetric(1), outputPadding: 1, expectedOutput: [2, 4, 8, 10]),
        // The seed document's point: a 5×5 kernel on a 2×2 input. (2 − 1)·2 + 4 + 1 = 7.
        .init(description: "5x5 kernel on 2x2 input, stride 2", input: [2, 2, 2, 2], outputChannels: 3, kernel: 5, stride: 2,
              expectedOutput: [2, 3, 7, 7]),
        // A 4×6 kernel on a 1×3 input: 0 + 3 + 1 = 4 rows, 2 + 5 + 1 = 8 columns.
        .init(description: "4x6 kernel on 1x3 input, stride 1", input: [2, 1, 1, 3], outputChannels: 2,
              kernel: SpatialPair(height: 4, width: 6), expectedOutput: [2, 2, 4, 8]),
        // Rows (4 − 1)·1 − 3 + 2·2 + 1 + 1 = 6, columns (3 − 1)·1 − 1 + 2·1 + 1 + 1 = 5 (output padding below the dilation).
        .init(description: "dilation 2 asymmetric padding output padding 1", input: [1, 2, 4, 3], outputChannels: 2,
              kernel: SpatialPair(height: 3, width: 2), padding: .explicit(top: 1, bottom: 2, left: 0, right: 1), outputPadding: 1,
              dilation: 2, expectedOutput: [1, 2, 6, 5]),
        // Rows (3 − 1)·2 + 2 + 1 + 1 = 8, columns (3 − 1)·3 + 3 + 2 + 1 = 12.
        .init(description: "groups 2 stride 2x3 output padding 1x2", input: [2, 4, 3, 3], outputChannels: 6,
              kernel: SpatialPair(height: 3, width: 4), stride: SpatialPair(height: 2, width: 3), outputPadding: SpatialPair(height: 1, width: 2),
              groups: 2, expectedOutput: [2, 6, 8, 12]),
    ]

    /// The transposed convolution by its definition, in Double, from the layer's own hyper-parameters.
    static func scatter(_ x: Tensor<Double>, _ layer: ConvTranspose2D<Double>, outputShape: [Int]) -> Tensor<Double> {
        let w = layer.weight.shape, o = layer.options
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oc, oh, ow) = (outputShape[1], outputShape[2], outputShape[3])
        let (og, cg, kh, kw) = (w[1], c / o.groups, w[2], w[3])
        guard case .explicit(let top, _, let left, _) = o.padding == .valid ? .symmetric(0) : o.padding else { fatalError() }
        var y = Tensor<Double>(shape: outputShape)
        y.withUnsafeMutableBufferPointer { y in
            for b in 0..<n { for ch in 0..<c { for i in 0..<h { for j in 0..<wd {
                let value = x.scalars[((b * c + ch) * h + i) * wd + j]
                for out in 0..<og { for a in 0..<kh { for e in 0..<kw {
                    let row = i * o.stride.height + a * o.dilation.height - top
                    let column = j * o.stride.width + e * o.dilation.width - left
                    guard (0..<oh).contains(row), (0..<ow).contains(column) else { continue }
                    y[((b * oc + ch / cg * og + out) * oh + row) * ow + column] += value * layer.weight.value.scalars[((ch * og + out) * kh + a) * kw + e]
                } } }
            } } } }
            for index in 0..<y.count { y[index] += layer.bias!.value.scalars[index / (oh * ow) % oc] }
        }
        return y
    }

    @Test("forward is the scatter", arguments: cases, ConvolutionAlgorithm.concrete)
    func forwardMatchesDefinition(_ c: Case, algorithm: ConvolutionAlgorithm) throws {
        let layer = try c.layer(algorithm)
        let x = Tensor<Double>.uniform(shape: c.input, seed: 33)
        let y = try layer.forward(x, training: true)
        #expect(y.shape == c.expectedOutput)
        #expect(try layer.outputShape(forInputShape: Array(c.input.dropFirst())) == Array(c.expectedOutput.dropFirst()))
        let expected = Self.scatter(x, layer, outputShape: c.expectedOutput)
        let worst = zip(y.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= GradientTolerance.forwardDouble, "\(c) \(algorithm): off by \(worst)")
    }

    @Test("gradients (input, weight, bias)", arguments: cases, ConvolutionAlgorithm.concrete)
    func gradients(_ c: Case, algorithm: ConvolutionAlgorithm) throws {
        let layer = try c.layer(algorithm)
        #expect(layer.parameters.map(\.name) == ["weight", "bias"])
        try checkLayerGradients(layer, input: .uniform(shape: c.input, seed: 34), "ConvTranspose2D \(c) \(algorithm)")
    }

    /// The algorithm may change between steps: same output and gradients after switching.
    @Test func algorithmSwitchesBetweenSteps() throws {
        let c = Self.cases[0]
        let layer = try c.layer(.direct)
        let x = Tensor<Double>.uniform(shape: c.input, seed: 35), dy = Tensor<Double>.uniform(shape: c.expectedOutput, seed: 36)
        let y0 = try layer.forward(x, training: true), dx0 = try layer.backward(dy), dw0 = layer.weight.gradient
        for algorithm in [ConvolutionAlgorithm.fft, .im2col, .auto] {
            layer.algorithm = algorithm
            let y = try layer.forward(x, training: true), dx = try layer.backward(dy)
            for (a, b, what) in [(y, y0, "output"), (dx, dx0, "input gradient"), (layer.weight.gradient, dw0, "weight gradient")] {
                let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= GradientTolerance.forwardDouble, "\(algorithm) \(what): off by \(worst)")
            }
        }
    }

    @Test func sequentialShapeSummaryAndNames() throws {
        // 16×4×4 → ConvTranspose2D(16→8, k3, stride 2, output padding 1): (4 − 1)·2 − 0 + 1·(3 − 1) + 1 + 1 = 10.
        let model = try Sequential<Float>(inputShape: [16, 4, 4], layers: [
            try ConvTranspose2D(inputChannels: 16, outputChannels: 8, kernelSize: 3, stride: 2, outputPadding: 1), ReLU(),
            // With padding 1 the classic doubling: (10 − 1)·2 − 2 + 2 + 1 + 1 = 20.
            try ConvTranspose2D(inputChannels: 8, outputChannels: 2, kernelSize: 3, stride: 2, padding: .symmetric(1), outputPadding: 1),
        ], seed: 7, engine: Self.engine)
        #expect(model.outputShapes == [[8, 10, 10], [8, 10, 10], [2, 20, 20]])
        #expect(model.namedParameters.map(\.name) == ["convtranspose1.weight", "convtranspose1.bias", "convtranspose2.weight", "convtranspose2.bias"])
        #expect(model.parameter(named: "convtranspose1.weight")?.shape == [16, 8, 3, 3])

        let summary = model.summary()
        #expect(summary.rows.map(\.parameterCount) == [16 * 8 * 9 + 8, 0, 8 * 2 * 9 + 2])
        // One output unit sees ceil(3 / 2) = 2 input rows; through both layers ceil((2 − 1 + 3) / 2) = 2.
        #expect(summary.rows.map(\.receptiveField) == [2, 2, 2])
        // 2·C·(O/G)·H·W·k² + O·Ho·Wo.
        #expect(summary.rows[0].flops == Double(2 * 16 * 8 * 16 * 9 + 8 * 10 * 10))
        #expect(summary.rows[2].flops == Double(2 * 8 * 2 * 100 * 9 + 2 * 20 * 20))
        #expect(summary.text.contains("convtranspose1 (ConvTranspose2D)"))
        #expect(summary.text.contains("(None, 8, 10, 10)"))

        for algorithm in ConvolutionAlgorithm.concrete {
            model.setAlgorithm(algorithm)
            #expect(try model.forward(.uniform(shape: [3, 16, 4, 4], seed: 8)).shape == [3, 2, 20, 20], "\(algorithm)")
        }
    }

    @Test func receptiveFieldThroughConvolutionAndTransposedConvolution() throws {
        // conv k3 s2 (5×5 → 2×2), then the transposed k3 s2 (→ 5×5): an output unit sees 2 conv units,
        // 2 apart, each seeing 3 inputs: (2 − 1)·2 + 3 = 5.
        let model = try Sequential<Float>(inputShape: [1, 5, 5], layers: [
            try Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3, stride: 2),
            try ConvTranspose2D(inputChannels: 2, outputChannels: 1, kernelSize: 3, stride: 2),
            // k5 at stride 1 after the stride-2 upsampling: ceil((5 − 1 + 3) / 2) = 4 conv units → (4 − 1)·2 + 3 = 9.
            try Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 5, padding: .same),
        ])
        #expect(model.outputShapes == [[2, 2, 2], [1, 5, 5], [1, 5, 5]])
        #expect(model.summary().rows.map(\.receptiveField) == [3, 5, 9])
    }

    @Test func glorotAndHeUseTheTransposedFans() throws {
        // Weight [C = 2, O/G = 8, 3, 3]: fanIn = (C/G)·9 = 18, fanOut = O·9 = 72 (not 72 and 18 from the axes).
        #expect(ConvTranspose2D<Float>.fans(of: [2, 8, 3, 3], groups: 1) == (18, 72))
        #expect(ConvTranspose2D<Float>.fans(of: [4, 3, 3, 2], groups: 2) == (12, 36))
        let he = try ConvTranspose2D<Double>(inputChannels: 2, outputChannels: 8, kernelSize: 3, weightInitializer: .heUniform, seed: 40)
        let heLimit = (6.0 / 18).squareRoot()           // the axis-based reading would give sqrt(6/72) ≈ 0.29
        let heMax = he.weight.value.scalars.map(abs).max()!
        #expect(heMax <= heLimit && heMax > 0.9 * heLimit, "He max |w| \(heMax), limit \(heLimit)")
        let grouped = try ConvTranspose2D<Double>(inputChannels: 4, outputChannels: 6, kernelSize: SpatialPair(height: 3, width: 2), groups: 2, seed: 41)
        let glorotLimit = (6.0 / Double(12 + 36)).squareRoot()
        let glorotMax = grouped.weight.value.scalars.map(abs).max()!
        #expect(glorotMax <= glorotLimit && glorotMax > 0.9 * glorotLimit, "Glorot max |w| \(glorotMax), limit \(glorotLimit)")
        #expect(grouped.bias!.value.scalars.allSatisfy { $0 == 0 })
        // reset redraws from the generator: same seed, same weight.
        var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
        he.reset(generator: &a)
        let first = he.weight.value
        he.reset(generator: &b)
        #expect(he.weight.value == first)
    }

    @Test func typedErrors() throws {
        typealias T = ConvTranspose2D<Float>
        expectError(.invalidArgument, mentioning: "ConvTranspose2D", "groups", "divide") { _ = try T(inputChannels: 3, outputChannels: 4, kernelSize: 3, groups: 2) }
        expectError(.invalidArgument, mentioning: "kernelSize") { _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 0) }
        expectError(.invalidArgument, mentioning: "stride") { _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, stride: SpatialPair(height: 1, width: 0)) }
        expectError(.invalidArgument, mentioning: "dilation") { _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, dilation: 0) }
        expectError(.invalidArgument, mentioning: "outputChannels") { _ = try T(inputChannels: 1, outputChannels: 0, kernelSize: 3) }
        expectError(.invalidArgument, mentioning: "padding", "non-negative") {
            _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, padding: .explicit(top: 0, bottom: -1, left: 0, right: 0))
        }
        expectError(.invalidArgument, mentioning: "valid or explicit", "same") { _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, padding: .same) }
        expectError(.invalidArgument, mentioning: "valid or explicit", "full") { _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, padding: .full) }
        expectError(.invalidArgument, mentioning: "outputPadding", "stride 2", "dilation 1") {
            _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, stride: 2, outputPadding: 2)
        }
        expectError(.invalidArgument, mentioning: "outputPadding", "width") {
            _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, outputPadding: SpatialPair(height: 0, width: 1))
        }
        expectError(.invalidArgument, mentioning: "outputPadding", "non-negative") {
            _ = try T(inputChannels: 1, outputChannels: 1, kernelSize: 3, stride: 2, outputPadding: -1)
        }

        // Shapes, through a Sequential (the message names the layer) and directly.
        expectError(.invalidShape, mentioning: "convtranspose1", "ConvTranspose2D", "16 input channels") {
            _ = try Sequential<Float>(inputShape: [8, 4, 4], layers: [try T(inputChannels: 16, outputChannels: 8, kernelSize: 3)])
        }
        expectError(.invalidShape, mentioning: "up", "padding removes") {
            _ = try Sequential<Float>(inputShape: [1, 1, 1], layers: [try T(inputChannels: 1, outputChannels: 1, kernelSize: 1, padding: .symmetric(1), name: "up")])
        }
        expectError(.invalidShape, mentioning: "[C, H, W]") { _ = try Sequential<Float>(inputShape: [1, 8], layers: [try T(inputChannels: 1, outputChannels: 1, kernelSize: 3)]) }
        let layer = try T(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, engine: Self.engine)
        expectError(.invalidShape, mentioning: "[N, C, H, W]") { _ = try layer.forward(Tensor(shape: [2, 4, 4]), training: true) }
        _ = try layer.forward(Tensor(shape: [1, 2, 4, 4]), training: true)       // → [1, 3, 9, 9]
        expectError(.invalidShape, mentioning: "output gradient", "[1, 3, 9, 9]") { _ = try layer.backward(Tensor(shape: [1, 3, 8, 8])) }
    }
}
