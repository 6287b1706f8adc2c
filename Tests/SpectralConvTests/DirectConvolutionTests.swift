import Testing
@testable import SpectralConv

/// The direct path against the definition (``ReferenceConvolution`` in `Double`) on every kind of
/// geometry ``ConvolutionGeometry`` accepts. Relative error is `max|direct − ref| / max|ref|`.
@Suite struct DirectConvolutionTests {
    /// Tolerance of the `Float` path against the `Double` reference.
    static let singleTolerance = 1e-5
    /// Tolerance of the `Double` path against the `Double` reference.
    static let doubleTolerance = 1e-12

    /// One geometry to check: NCHW (or NCL) input shape, OIHW (or OIL) weight shape, options.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let input: [Int]
        let weight: [Int]
        let options: ConvolutionOptions
        var testDescription: String { name }

        init(_ name: String, _ input: [Int], _ weight: [Int], _ options: ConvolutionOptions = .init()) {
            self.name = name
            self.input = input
            self.weight = weight
            self.options = options
        }
    }

    static let cases: [Case] = [
        Case("3x3 valid", [2, 3, 9, 11], [4, 3, 3, 3]),
        Case("3x3 same", [1, 5, 12, 13], [6, 5, 3, 3], .init(padding: .same)),
        Case("full padding", [1, 2, 6, 7], [3, 2, 3, 3], .init(padding: .full)),
        Case("stride 2 same", [2, 4, 15, 17], [5, 4, 3, 3], .init(stride: 2, padding: .same)),
        Case("stride 2x3 asymmetric padding", [1, 3, 14, 19], [4, 3, 3, 3],
             .init(stride: SpatialPair(height: 2, width: 3), padding: .explicit(top: 1, bottom: 0, left: 2, right: 1))),
        Case("stride 3 dilation 2", [1, 2, 21, 22], [3, 2, 3, 3], .init(stride: 3, padding: .same, dilation: 2)),
        Case("dilation 2 same", [1, 3, 16, 19], [4, 3, 3, 3], .init(padding: .same, dilation: 2)),
        Case("dilation 1x3 stride 2x1", [1, 2, 13, 25], [3, 2, 3, 3],
             .init(stride: SpatialPair(height: 2, width: 1), padding: .symmetric(1), dilation: SpatialPair(height: 1, width: 3))),
        Case("padding larger than kernel", [1, 2, 5, 6], [3, 2, 2, 2], .init(padding: .explicit(top: 4, bottom: 3, left: 5, right: 2))),
        Case("groups 2", [2, 6, 10, 9], [8, 3, 3, 3], .init(groups: 2)),
        Case("groups 3, 3 outputs per group", [1, 6, 9, 9], [9, 2, 3, 3], .init(padding: .same, groups: 3)),
        Case("depthwise", [2, 8, 13, 14], [8, 1, 3, 3], .init(padding: .same, groups: 8)),
        Case("depthwise stride 2", [1, 5, 17, 18], [5, 1, 3, 3], .init(stride: 2, padding: .same, groups: 5)),
        Case("depthwise multiplier 2", [1, 4, 11, 10], [8, 1, 3, 3], .init(groups: 4)),
        Case("one output per group, many inputs", [1, 64, 5, 6], [2, 32, 3, 3], .init(padding: .same, groups: 2)),
        Case("1x1", [2, 16, 7, 9], [20, 16, 1, 1]),
        Case("1x1 stride 2", [1, 8, 9, 10], [5, 8, 1, 1], .init(stride: 2)),
        Case("even kernel 2x4 same", [1, 3, 10, 11], [5, 3, 2, 4], .init(padding: .same)),
        Case("kernel as large as padded input", [1, 3, 6, 7], [4, 3, 8, 9], .init(padding: .symmetric(1))),
        Case("kernel as large as input", [2, 2, 5, 5], [3, 2, 5, 5]),
        Case("odd sizes 5x5", [1, 7, 17, 23], [9, 7, 5, 5], .init(padding: .same)),
        Case("7x7 same", [1, 3, 20, 21], [4, 3, 7, 7], .init(padding: .same)),
        Case("11x11 stride 4", [1, 3, 40, 41], [4, 3, 11, 11], .init(stride: 4, padding: .symmetric(2))),
        Case("wide rows, tiles span rows", [1, 2, 5, 40], [6, 2, 3, 3], .init(padding: .same)),
        Case("narrow rows", [1, 3, 12, 3], [5, 3, 3, 3], .init(padding: .same)),
        Case("channel blocks with partial tiles", [1, 160, 4, 10], [5, 160, 3, 3], .init(padding: .same)),
        Case("single output pixel", [1, 4, 3, 3], [5, 4, 3, 3]),
        Case("1-D same", [2, 4, 37], [6, 4, 5], .init(padding: .same)),
        Case("1-D stride 3 dilation 2", [1, 3, 50], [5, 3, 4], .init(stride: 3, padding: .explicit(top: 0, bottom: 0, left: 3, right: 1), dilation: 2)),
        Case("1-D kernel as long as the input", [1, 2, 30], [3, 2, 30]),
        Case("1-D depthwise", [2, 6, 33], [6, 1, 7], .init(padding: .same, groups: 6)),
        Case("long rows split into column bands", [1, 12, 3, 4500], [3, 12, 3, 3], .init(padding: .explicit(top: 1, bottom: 0, left: 2, right: 3))),
        Case("1-D long signal, column bands", [1, 8, 7000], [5, 8, 3], .init(padding: .same)),
        Case("1-D long signal, column bands, stride 3 dilation 2", [1, 4, 30001], [6, 4, 4], .init(stride: 3, padding: .explicit(top: 0, bottom: 0, left: 4, right: 4), dilation: 2)),
    ]

    /// `max|a − b| / max|b|`, computed in `Double`.
    static func relativeError<S: TensorScalar>(_ a: Tensor<S>, _ reference: Tensor<Double>) -> Double {
        let scale = max(reference.maxMagnitude, .leastNormalMagnitude)
        return a.converted(to: Double.self).maxAbsoluteDifference(from: reference) / scale
    }

    @Test("Float direct matches the Double reference", arguments: cases)
    func singleMatchesReference(_ c: Case) throws {
        let x = Tensor<Float>.uniform(shape: c.input, seed: 11)
        let w = Tensor<Float>.uniform(shape: c.weight, seed: 12)
        let reference = try ReferenceConvolution.forward(
            input: x.converted(to: Double.self), weight: w.converted(to: Double.self), options: c.options)
        let y = try ConvolutionEngine(threads: 2).forward(input: x, weight: w, options: c.options, algorithm: .direct)
        #expect(y.shape == reference.shape)
        #expect(Self.relativeError(y, reference) <= Self.singleTolerance)
    }

    @Test("Double direct matches the Double reference", arguments: cases)
    func doubleMatchesReference(_ c: Case) throws {
        let x = Tensor<Double>.uniform(shape: c.input, seed: 21)
        let w = Tensor<Double>.uniform(shape: c.weight, seed: 22)
        let reference = try ReferenceConvolution.forward(input: x, weight: w, options: c.options)
        let y = try ConvolutionEngine(threads: 1).forward(input: x, weight: w, options: c.options, algorithm: .direct)
        #expect(y.shape == reference.shape)
        #expect(Self.relativeError(y, reference) <= Self.doubleTolerance)
    }

    /// Geometries whose work split differs between one and two threads (row bands, output-channel
    /// chunks, column bands).
    static let threadCases = cases.filter {
        ["3x3 same", "stride 2 same", "depthwise", "channel blocks with partial tiles", "1-D same", "long rows split into column bands"]
            .contains($0.name)
    }

    @Test("one and two threads give identical results", arguments: threadCases)
    func threadCountDoesNotChangeResults(_ c: Case) throws {
        let x = Tensor<Float>.uniform(shape: c.input, seed: 31)
        let w = Tensor<Float>.uniform(shape: c.weight, seed: 32)
        let one = try ConvolutionEngine(threads: 1).forward(input: x, weight: w, options: c.options, algorithm: .direct)
        let two = try ConvolutionEngine(threads: 2).forward(input: x, weight: w, options: c.options, algorithm: .direct)
        #expect(one == two)
    }

    /// The plan for a named case.
    static func plan(_ name: String, lanes: Int = 8, scalarSize: Int = 4, threads: Int = 2) throws -> DirectConvolution.Plan {
        let c = try #require(cases.first { $0.name == name })
        let geometry = try ConvolutionGeometry(inputShape: c.input, weightShape: c.weight, options: c.options)
        return DirectConvolution.Plan(geometry: geometry, lanes: lanes, scalarSize: scalarSize, threads: threads)
    }

    @Test("the cases exercise every blocking path")
    func casesCoverBlocking() throws {
        #expect(try Self.plan("channel blocks with partial tiles").channelBlock < 160)
        #expect(try Self.plan("channel blocks with partial tiles", lanes: 4, scalarSize: 8).channelBlock < 160)
        #expect(try Self.plan("channel blocks with partial tiles").outputChannelChunks > 1)
        #expect(try Self.plan("long rows split into column bands").columnBandCount > 1)
        #expect(try Self.plan("1-D long signal, column bands").columnBandCount > 1)
        #expect(try Self.plan("1-D long signal, column bands, stride 3 dilation 2").columnBandCount > 1)
        #expect(try Self.plan("3x3 same", threads: 2).rowBandCount > 1)
        #expect(try Self.plan("depthwise").outputChannelBlock == 1)
        #expect(try Self.plan("groups 3, 3 outputs per group").outputChannelBlock == 4)
    }

    @Test("random small geometries match the reference")
    func randomGeometries() throws {
        var random = SplitMix64(seed: 2024)
        func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        var checked = 0
        while checked < 60 {
            let groups = [1, 1, 2, 3][pick(0...3)]
            let oneD = pick(0...4) == 0
            let c = groups * pick(1...4), o = groups * pick(1...5)
            let h = oneD ? 1 : pick(1...12), w = pick(1...30)
            let kh = oneD ? 1 : pick(1...5), kw = pick(1...6)
            let stride = SpatialPair(height: oneD ? 1 : pick(1...3), width: pick(1...3))
            let dilation = SpatialPair(height: oneD ? 1 : pick(1...2), width: pick(1...3))
            let padding: Padding
            switch pick(0...3) {
            case 0: padding = .valid
            case 1: padding = .same
            case 2: padding = .full
            default: padding = .explicit(top: oneD ? 0 : pick(0...4), bottom: oneD ? 0 : pick(0...4), left: pick(0...6), right: pick(0...6))
            }
            let input = oneD ? [pick(1...2), c, w] : [pick(1...2), c, h, w]
            let weight = oneD ? [o, c / groups, kw] : [o, c / groups, kh, kw]
            let options = ConvolutionOptions(stride: stride, padding: padding, dilation: dilation, groups: groups)
            guard (try? ConvolutionGeometry(inputShape: input, weightShape: weight, options: options)) != nil else { continue }
            let x = Tensor<Float>.uniform(shape: input, seed: UInt64(checked))
            let k = Tensor<Float>.uniform(shape: weight, seed: UInt64(1000 + checked))
            let reference = try ReferenceConvolution.forward(
                input: x.converted(to: Double.self), weight: k.converted(to: Double.self), options: options)
            let y = try ConvolutionEngine(threads: 2).forward(input: x, weight: k, options: options, algorithm: .direct)
            #expect(Self.relativeError(y, reference) <= Self.singleTolerance, "input \(input) weight \(weight) \(options)")
            checked += 1
        }
    }

    @Test("bias is added once through the engine")
    func biasThroughEngine() throws {
        let x = Tensor<Float>.uniform(shape: [1, 3, 8, 9], seed: 41)
        let w = Tensor<Float>.uniform(shape: [5, 3, 3, 3], seed: 42)
        let b = Tensor<Float>.uniform(shape: [5], seed: 43)
        let options = ConvolutionOptions(padding: .same)
        let reference = try ReferenceConvolution.forward(
            input: x.converted(to: Double.self), weight: w.converted(to: Double.self), bias: b.converted(to: Double.self), options: options)
        let y = try ConvolutionEngine(threads: 2).forward(input: x, weight: w, bias: b, options: options, algorithm: .direct)
        #expect(Self.relativeError(y, reference) <= Self.singleTolerance)
    }

    @Test("every output element is overwritten, not accumulated into")
    func overwritesOutput() throws {
        // Channel blocks: later blocks add to what the first one wrote.
        let c = try #require(Self.cases.first { $0.name == "channel blocks with partial tiles" })
        let geometry = try ConvolutionGeometry(inputShape: c.input, weightShape: c.weight, options: c.options)
        let x = Tensor<Float>.uniform(shape: c.input, seed: 51)
        let w = Tensor<Float>.uniform(shape: c.weight, seed: 52)
        let reference = try ReferenceConvolution.forward(
            input: x.converted(to: Double.self), weight: w.converted(to: Double.self), options: c.options)
        var y = Tensor<Float>(shape: geometry.outputShape, repeating: .nan)
        x.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { y in
                    DirectConvolution.forward(
                        input: x.baseAddress!, weight: w.baseAddress!, output: y.baseAddress!,
                        geometry: geometry, parallelism: Parallelism(threads: 2))
                }
            }
        }
        #expect(y.scalars.allSatisfy { $0.isFinite })
        #expect(Self.relativeError(y, reference) <= Self.singleTolerance)
    }

    /// Tiny layers run on the calling thread (waking a second one costs more than their work), and
    /// the cost model counts one working thread for them.
    @Test func tinyLayersRunOnOneThread() throws {
        let tiny = try ConvolutionGeometry(inputShape: [1, 1, 16, 16], weightShape: [1, 1, 2, 2], options: .init(padding: .same))
        let large = try ConvolutionGeometry(inputShape: [1, 16, 64, 64], weightShape: [16, 16, 3, 3], options: .init(padding: .same))
        #expect(tiny.usefulFlops < DirectConvolution.serialFlops && large.usefulFlops >= DirectConvolution.serialFlops)
        #expect(DirectConvolution.workingThreads(tiny, available: 2) == 1)
        #expect(DirectConvolution.workingThreads(large, available: 2) == 2)
        let waste = 16.0 / 16.0   // 16 output columns fill two 8-lane vectors
        #expect(ConvolutionCostTerms.forward(tiny, algorithm: .direct, threads: 2)[.directFlops] == tiny.usefulFlops * waste)
        // Engines of one and two threads agree bit for bit.
        let engine1 = try ConvolutionEngine(threads: 1), engine2 = try ConvolutionEngine(threads: 2)
        let x = Tensor<Float>.uniform(shape: tiny.inputShape, seed: 7), w = Tensor<Float>.uniform(shape: tiny.weightShape, seed: 8)
        #expect(try engine1.forward(input: x, weight: w, geometry: tiny, algorithm: .direct)
                == engine2.forward(input: x, weight: w, geometry: tiny, algorithm: .direct))
    }
}
