import Testing
@testable import SpectralConv

/// The im2col path against the definition (``ReferenceConvolution`` in Double) on geometries that
/// exercise every branch of the unfold: strides, dilation, asymmetric and oversized padding,
/// groups, depthwise, 1×1 (with and without the unfold), even kernels, a kernel as large as the
/// padded input, batch 1 and 1-D.
@Suite struct Im2colConvolutionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: [Int]
        let weight: [Int]
        let options: ConvolutionOptions
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "stride 2, pad 1", input: [2, 3, 7, 9], weight: [4, 3, 3, 3], options: .init(stride: 2, padding: .symmetric(1))),
        Case(name: "stride 2, wide rows (vector gather)", input: [2, 3, 6, 41], weight: [2, 3, 3, 4], options: .init(stride: 2, padding: .explicit(top: 1, bottom: 0, left: 3, right: 2))),
        Case(name: "stride 2, dilation 3, wide rows", input: [1, 2, 5, 50], weight: [2, 2, 2, 3], options: .init(stride: 2, padding: .symmetric(height: 0, width: 4), dilation: 3)),
        Case(name: "stride 3, valid", input: [1, 2, 10, 11], weight: [3, 2, 3, 2], options: .init(stride: 3)),
        Case(name: "stride 3 > kernel 2", input: [1, 2, 11, 11], weight: [2, 2, 2, 2], options: .init(stride: 3, padding: .symmetric(1))),
        Case(name: "stride 2x1, dilation 1x3", input: [2, 2, 9, 12], weight: [3, 2, 3, 3], options: .init(stride: .init(height: 2, width: 1), padding: .same, dilation: .init(height: 1, width: 3))),
        Case(name: "dilation 2, same", input: [2, 4, 9, 9], weight: [4, 4, 3, 3], options: .init(padding: .same, dilation: 2)),
        Case(name: "dilation 2, stride 2, valid", input: [1, 3, 13, 12], weight: [2, 3, 3, 3], options: .init(stride: 2, dilation: 2)),
        Case(name: "asymmetric padding", input: [1, 3, 6, 7], weight: [5, 3, 3, 3], options: .init(padding: .explicit(top: 0, bottom: 2, left: 1, right: 3))),
        Case(name: "padding larger than kernel", input: [1, 2, 5, 5], weight: [3, 2, 2, 2], options: .init(padding: .explicit(top: 4, bottom: 3, left: 5, right: 2))),
        Case(name: "padding larger than kernel, stride 2", input: [2, 2, 4, 6], weight: [3, 2, 3, 2], options: .init(stride: 2, padding: .explicit(top: 5, bottom: 4, left: 3, right: 6))),
        Case(name: "full padding", input: [1, 2, 5, 5], weight: [2, 2, 3, 3], options: .init(padding: .full)),
        Case(name: "groups 2", input: [2, 4, 8, 8], weight: [6, 2, 3, 3], options: .init(padding: .symmetric(1), groups: 2)),
        Case(name: "depthwise", input: [2, 5, 7, 7], weight: [5, 1, 3, 3], options: .init(padding: .same, groups: 5)),
        Case(name: "depthwise, multiplier 2, stride 2", input: [1, 3, 6, 6], weight: [6, 1, 3, 3], options: .init(stride: 2, padding: .same, groups: 3)),
        Case(name: "1x1", input: [2, 8, 5, 6], weight: [4, 8, 1, 1], options: .init()),
        Case(name: "1x1 groups 2", input: [3, 8, 5, 6], weight: [4, 4, 1, 1], options: .init(groups: 2)),
        Case(name: "1x1 stride 2", input: [2, 8, 5, 6], weight: [4, 8, 1, 1], options: .init(stride: 2)),
        Case(name: "1x1 padded", input: [2, 8, 5, 6], weight: [4, 8, 1, 1], options: .init(padding: .symmetric(1))),
        Case(name: "even kernel 4x4 same", input: [1, 3, 8, 8], weight: [2, 3, 4, 4], options: .init(padding: .same)),
        Case(name: "even kernel 2x4", input: [2, 3, 8, 7], weight: [2, 3, 2, 4], options: .init(padding: .symmetric(height: 1, width: 2))),
        Case(name: "kernel as large as padded input", input: [1, 2, 5, 6], weight: [3, 2, 7, 8], options: .init(padding: .symmetric(1))),
        Case(name: "kernel as large as input, valid", input: [2, 3, 4, 5], weight: [2, 3, 4, 5], options: .init()),
        Case(name: "batch 1", input: [1, 16, 12, 12], weight: [8, 16, 3, 3], options: .init(padding: .same)),
        Case(name: "single row and column outputs", input: [1, 2, 1, 9], weight: [2, 2, 1, 3], options: .init(stride: .init(height: 1, width: 4))),
        Case(name: "1-D stride 2, dilation 2, pad 2,1", input: [2, 3, 20], weight: [4, 3, 5], options: .init(stride: 2, padding: .explicit(top: 0, bottom: 0, left: 2, right: 1), dilation: 2)),
        Case(name: "1-D groups 3, same", input: [2, 6, 17], weight: [3, 2, 4], options: .init(padding: .same, groups: 3)),
        Case(name: "1-D full", input: [1, 2, 6], weight: [2, 2, 3], options: .init(padding: .full)),
        Case(name: "1-D 1x1", input: [2, 4, 7], weight: [3, 4, 1], options: .init()),
    ]

    /// `max|y − ref| / max|ref|`, with `ref` computed in Double.
    static func relativeError(_ y: Tensor<Float>, input: Tensor<Float>, weight: Tensor<Float>, options: ConvolutionOptions) throws -> Double {
        let reference = try ReferenceConvolution.forward(
            input: input.converted(to: Double.self), weight: weight.converted(to: Double.self), options: options)
        #expect(y.shape == reference.shape)
        return y.converted(to: Double.self).maxAbsoluteDifference(from: reference) / max(reference.maxMagnitude, 1e-30)
    }

    @Test(arguments: cases)
    func matchesReference(_ c: Case) throws {
        let x = Tensor<Float>.uniform(shape: c.input, seed: 1)
        let w = Tensor<Float>.uniform(shape: c.weight, seed: 2)
        for threads in [1, 2] {
            let engine = try ConvolutionEngine(threads: threads)
            let y = try engine.forward(input: x, weight: w, options: c.options, algorithm: .im2col)
            #expect(try Self.relativeError(y, input: x, weight: w, options: c.options) <= 1e-5, "threads \(threads)")
        }
    }

    @Test(arguments: cases)
    func doublePrecisionMatchesReference(_ c: Case) throws {
        let x = Tensor<Double>.uniform(shape: c.input, seed: 3)
        let w = Tensor<Double>.uniform(shape: c.weight, seed: 4)
        let y = try ConvolutionEngine(threads: 2).forward(input: x, weight: w, options: c.options, algorithm: .im2col)
        let reference = try ReferenceConvolution.forward(input: x, weight: w, options: c.options)
        #expect(y.maxAbsoluteDifference(from: reference) <= 1e-12 * max(reference.maxMagnitude, 1))
    }

    @Test func biasIsAddedByTheEngine() throws {
        let x = Tensor<Float>.uniform(shape: [2, 3, 6, 6], seed: 5)
        let w = Tensor<Float>.uniform(shape: [4, 3, 3, 3], seed: 6)
        let b = Tensor<Float>.uniform(shape: [4], seed: 7)
        let options = ConvolutionOptions(padding: .same)
        let y = try ConvolutionEngine(threads: 1).forward(input: x, weight: w, bias: b, options: options, algorithm: .im2col)
        let reference = try ReferenceConvolution.forward(
            input: x.converted(to: Double.self), weight: w.converted(to: Double.self), bias: b.converted(to: Double.self), options: options)
        #expect(y.converted(to: Double.self).maxAbsoluteDifference(from: reference) <= 1e-5 * reference.maxMagnitude)
    }

    /// One and two threads, and every scheduling mode and tile size, agree within rounding
    /// (batch·groups below, equal to and above the thread count, with a remainder), for an unfolded
    /// 3×3, a strided and a pointwise (no unfold) geometry.
    @Test(arguments: [1, 2, 3, 5], [
        ([4, 3, 3], ConvolutionOptions(padding: .same, groups: 2)),
        ([4, 6, 3], ConvolutionOptions(stride: 2, padding: .symmetric(height: 0, width: 2))),
        ([4, 6, 1], ConvolutionOptions(groups: 1)),
    ] as [([Int], ConvolutionOptions)])
    func threadCountsAndModesAgree(batch: Int, layer: ([Int], ConvolutionOptions)) throws {
        let (kernel, options) = layer
        let geometry = try ConvolutionGeometry(
            inputShape: [batch, 6, 11, 10], weightShape: [kernel[0], kernel[1], kernel[2], kernel[2]], options: options)
        let x = Tensor<Float>.uniform(shape: geometry.inputShape, seed: 8)
        let w = Tensor<Float>.uniform(shape: geometry.weightShape, seed: 9)
        let one = try ConvolutionEngine(threads: 1).forward(input: x, weight: w, geometry: geometry, algorithm: .im2col)
        let two = try ConvolutionEngine(threads: 2).forward(input: x, weight: w, geometry: geometry, algorithm: .im2col)
        let scale = max(one.maxMagnitude, 1)
        #expect(one.maxAbsoluteDifference(from: two) <= 1e-6 * scale)
        #expect(try Self.relativeError(one, input: x, weight: w, options: options) <= 1e-5)

        let conv = Im2colConvolution()
        for strategy in [Im2colConvolution.Strategy.automatic, .split, .shared] {
            for tile in [nil, 4, 160, 4000] as [Int?] {
                for threads in [1, 2, 3] {
                    conv.strategy = strategy
                    conv.tileBytes = tile
                    conv.minimumTileColumns = 1
                    var y = Tensor<Float>(shape: geometry.outputShape, repeating: .nan)
                    x.withUnsafeBufferPointer { x in
                        w.withUnsafeBufferPointer { w in
                            y.withUnsafeMutableBufferPointer { y in
                                conv.forward(input: x.baseAddress!, weight: w.baseAddress!, output: y.baseAddress!,
                                             geometry: geometry, parallelism: Parallelism(threads: threads))
                            }
                        }
                    }
                    #expect(y.maxAbsoluteDifference(from: one) <= 1e-6 * scale, "\(strategy) tile \(String(describing: tile)) threads \(threads)")
                }
            }
        }
    }

    /// The workspace grows for a larger geometry and is reused, without stale data, for smaller ones.
    @Test func workspaceIsReusedAcrossGeometries() throws {
        let engine = try ConvolutionEngine(threads: 2)
        let sequence: [Case] = ["stride 2, pad 1", "batch 1", "asymmetric padding", "batch 1", "depthwise"].map { name in Self.cases.first { $0.name == name }! }
        for c in sequence {
            let x = Tensor<Float>.uniform(shape: c.input, seed: 10)
            let w = Tensor<Float>.uniform(shape: c.weight, seed: 11)
            let y = try engine.forward(input: x, weight: w, options: c.options, algorithm: .im2col)
            #expect(try Self.relativeError(y, input: x, weight: w, options: c.options) <= 1e-5, "\(c.name)")
        }
    }

    @Test func validRangesMatchABruteForceCount() {
        for offset in -7...7 {
            for stride in 1...4 {
                for input in 1...6 {
                    for output in 0...8 {
                        let range = Im2colLayout.validRange(offset: offset, stride: stride, input: input, output: output)
                        let expected = (0..<output).filter { $0 * stride + offset >= 0 && $0 * stride + offset < input }
                        if expected.isEmpty {
                            #expect(range.isEmpty)
                        } else {
                            #expect(Array(range) == expected, "offset \(offset) stride \(stride) input \(input) output \(output)")
                        }
                    }
                }
            }
        }
    }
}
