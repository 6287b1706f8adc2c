import Foundation
import PropertyBased
import SpectralConv
import Testing

// Every concrete path (and `auto`) must agree with ReferenceConvolution, the definition computed in
// Double, to the bounds in Tolerance: Float paths ≤ 1e-5 and Double paths ≤ 1e-12, relative
// (max|y − ref| / max|ref|).
//
// Largest relative error observed per path over the edge-case table and the property runs
// (set SPECTRALCONV_PRINT_ERRORS=1 to print every case's errors; update when the paths change):
//
//   path     Float vs Double reference   Double vs Double reference
//   direct   4.8e-7                      6.2e-16
//   im2col   4.8e-7                      6.2e-16
//   fft      2.6e-7                      7.8e-16
//   auto     4.8e-7                      3.7e-16
// (release build, -target-cpu haswell -DSPECTRALCONV_FMA, 2026-11-29; 446 cases incl. the property tests)

// MARK: - Running a case

/// The one place the tests call a convolution path.
func runPath<S: TensorScalar>(
    _ engine: ConvolutionEngine, _ operands: Operands<S>, options: ConvolutionOptions, algorithm: ConvolutionAlgorithm
) throws -> Tensor<S> {
    try engine.forward(input: operands.input, weight: operands.weight, bias: operands.bias, options: options, algorithm: algorithm)
}

/// The relative errors of one case through one path.
struct PathErrors {
    var single: Double
    var double: Double
}

/// Runs `testCase` through `algorithm` in Float and in Double and expects each to match the Double
/// reference (computed on the Float inputs widened exactly) within ``Tolerance``.
@discardableResult
func expectAgreementWithReference(
    _ testCase: ConvolutionCase, algorithm: ConvolutionAlgorithm, engine: ConvolutionEngine,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> PathErrors {
    let geometry = try testCase.geometry()
    let single = testCase.operands()
    let double = single.converted(to: Double.self)
    let reference = try ReferenceConvolution.forward(
        input: double.input, weight: double.weight, bias: double.bias, options: testCase.options)
    #expect(reference.shape == geometry.outputShape, "reference shape: \(testCase)", sourceLocation: sourceLocation)

    let ySingle = try runPath(engine, single, options: testCase.options, algorithm: algorithm)
    let singleError = expectClose(
        ySingle, reference, within: Tolerance.againstReference(Float.self),
        "Float \(algorithm) on \(testCase)", sourceLocation: sourceLocation)
    let yDouble = try runPath(engine, double, options: testCase.options, algorithm: algorithm)
    let doubleError = expectClose(
        yDouble, reference, within: Tolerance.againstReference(Double.self),
        "Double \(algorithm) on \(testCase)", sourceLocation: sourceLocation)
    if ProcessInfo.processInfo.environment["SPECTRALCONV_PRINT_ERRORS"] != nil {
        print("relative-error \(algorithm) float \(singleError) double \(doubleError) \(testCase)")
    }
    return PathErrors(single: singleError, double: doubleError)
}

// MARK: - Cases

extension ConvolutionCase: CustomTestStringConvertible {
    var testDescription: String { description }
}

/// The named edge cases every path must get right.
enum EdgeCases {
    static let all: [ConvolutionCase] = numbered([
        // Kernel sizes.
        .init(name: "1x1 kernel", inputShape: [2, 3, 6, 5], weightShape: [4, 3, 1, 1], hasBias: true),
        .init(name: "1x1 kernel stride 2", inputShape: [1, 3, 9, 9], weightShape: [4, 3, 1, 1], options: .init(stride: 2)),
        .init(name: "even kernel 2x2", inputShape: [1, 2, 7, 6], weightShape: [3, 2, 2, 2]),
        .init(name: "even kernel 4x4", inputShape: [2, 1, 8, 8], weightShape: [2, 1, 4, 4], hasBias: true),
        .init(name: "even kernel 4x4 same", inputShape: [1, 2, 9, 8], weightShape: [3, 2, 4, 4], options: .init(padding: .same)),
        .init(name: "kernel as large as the input", inputShape: [1, 2, 5, 7], weightShape: [3, 2, 5, 7], hasBias: true),
        .init(name: "kernel as large as the padded input", inputShape: [1, 2, 4, 4], weightShape: [2, 2, 6, 6],
              options: .init(padding: .symmetric(1))),
        .init(name: "non-square kernel 3x5", inputShape: [1, 2, 10, 12], weightShape: [4, 2, 3, 5],
              options: .init(padding: .symmetric(height: 1, width: 2))),
        .init(name: "non-square kernel 5x3 stride 1x2", inputShape: [1, 2, 11, 9], weightShape: [2, 2, 5, 3],
              options: .init(stride: .init(height: 1, width: 2)), hasBias: true),
        .init(name: "row kernel 1x4", inputShape: [1, 1, 6, 10], weightShape: [2, 1, 1, 4]),
        .init(name: "single-row input", inputShape: [1, 2, 1, 12], weightShape: [3, 2, 1, 3]),
        // Padding.
        .init(name: "padding larger than the kernel", inputShape: [1, 2, 6, 6], weightShape: [3, 2, 3, 3],
              options: .init(padding: .symmetric(5))),
        .init(name: "asymmetric explicit padding", inputShape: [1, 2, 7, 9], weightShape: [2, 2, 3, 3],
              options: .init(padding: .explicit(top: 0, bottom: 2, left: 3, right: 1)), hasBias: true),
        .init(name: "same", inputShape: [2, 3, 8, 8], weightShape: [4, 3, 3, 3], options: .init(padding: .same)),
        .init(name: "same stride 2 odd input", inputShape: [1, 2, 9, 11], weightShape: [3, 2, 3, 3],
              options: .init(stride: 2, padding: .same), hasBias: true),
        .init(name: "full", inputShape: [1, 2, 6, 5], weightShape: [3, 2, 3, 2], options: .init(padding: .full), hasBias: true),
        .init(name: "full dilation 2", inputShape: [1, 1, 6, 6], weightShape: [2, 1, 3, 3], options: .init(padding: .full, dilation: 2)),
        .init(name: "full kernel larger than the input", inputShape: [1, 1, 3, 4], weightShape: [2, 1, 5, 5],
              options: .init(padding: .full)),
        // Stride and dilation.
        .init(name: "stride 2", inputShape: [2, 2, 12, 12], weightShape: [3, 2, 3, 3], options: .init(stride: 2)),
        .init(name: "stride 3 padding 1", inputShape: [1, 3, 13, 13], weightShape: [2, 3, 3, 3],
              options: .init(stride: 3, padding: .symmetric(1)), hasBias: true),
        .init(name: "stride 2x3", inputShape: [1, 2, 11, 14], weightShape: [3, 2, 3, 3], options: .init(stride: .init(height: 2, width: 3))),
        .init(name: "stride longer than the kernel", inputShape: [1, 1, 9, 9], weightShape: [2, 1, 2, 2], options: .init(stride: 4)),
        .init(name: "dilation 2", inputShape: [1, 2, 12, 12], weightShape: [3, 2, 3, 3], options: .init(dilation: 2)),
        .init(name: "dilation 2x3 padding 1", inputShape: [1, 2, 12, 15], weightShape: [2, 2, 3, 3],
              options: .init(padding: .symmetric(1), dilation: .init(height: 2, width: 3)), hasBias: true),
        .init(name: "stride 2 with dilation 2", inputShape: [1, 2, 15, 15], weightShape: [3, 2, 3, 3],
              options: .init(stride: 2, padding: .symmetric(2), dilation: 2)),
        .init(name: "stride 2x3 dilation 3x2 asymmetric padding", inputShape: [2, 2, 14, 13], weightShape: [2, 2, 3, 4],
              options: .init(stride: .init(height: 2, width: 3), padding: .explicit(top: 1, bottom: 0, left: 2, right: 3),
                             dilation: .init(height: 3, width: 2)), hasBias: true),
        // Groups.
        .init(name: "groups 2", inputShape: [2, 4, 8, 8], weightShape: [6, 2, 3, 3], options: .init(groups: 2), hasBias: true),
        .init(name: "depthwise", inputShape: [1, 4, 9, 9], weightShape: [4, 1, 3, 3], options: .init(padding: .symmetric(1), groups: 4)),
        .init(name: "depthwise channel multiplier 2", inputShape: [2, 3, 8, 8], weightShape: [6, 1, 3, 3],
              options: .init(groups: 3), hasBias: true),
        .init(name: "groups 3 stride 2 same", inputShape: [1, 6, 10, 10], weightShape: [3, 2, 3, 3],
              options: .init(stride: 2, padding: .same, groups: 3)),
        // Sizes.
        .init(name: "batch 1 single channel", inputShape: [1, 1, 5, 5], weightShape: [1, 1, 3, 3]),
        .init(name: "odd sizes 13x7", inputShape: [3, 3, 13, 7], weightShape: [5, 3, 3, 3], hasBias: true),
        .init(name: "large input small kernel 70x70 k3", inputShape: [1, 1, 70, 70], weightShape: [1, 1, 3, 3]),
        .init(name: "large multi-channel input 64x48", inputShape: [1, 3, 64, 48], weightShape: [4, 3, 3, 3],
              options: .init(padding: .symmetric(1)), hasBias: true),
        .init(name: "single channel big kernel 15x15", inputShape: [1, 1, 32, 32], weightShape: [1, 1, 15, 15]),
        .init(name: "big kernel 11x11 with padding", inputShape: [1, 2, 20, 20], weightShape: [2, 2, 11, 11],
              options: .init(padding: .symmetric(5)), hasBias: true),
        // 1-D (NCL / OIL).
        .init(name: "1-D", inputShape: [2, 3, 20], weightShape: [4, 3, 5], hasBias: true),
        .init(name: "1-D kernel 1", inputShape: [1, 2, 9], weightShape: [3, 2, 1]),
        .init(name: "1-D stride 2", inputShape: [1, 2, 25], weightShape: [3, 2, 4], options: .init(stride: 2)),
        .init(name: "1-D dilation 3", inputShape: [1, 2, 30], weightShape: [2, 2, 3], options: .init(dilation: 3)),
        .init(name: "1-D asymmetric padding", inputShape: [1, 2, 10], weightShape: [3, 2, 3],
              options: .init(padding: .explicit(top: 0, bottom: 0, left: 2, right: 5)), hasBias: true),
        .init(name: "1-D same stride 3", inputShape: [1, 2, 17], weightShape: [2, 2, 4], options: .init(stride: 3, padding: .same)),
        .init(name: "1-D full", inputShape: [1, 1, 7], weightShape: [2, 1, 3], options: .init(padding: .full)),
        .init(name: "1-D groups 2", inputShape: [2, 4, 16], weightShape: [6, 2, 3], options: .init(groups: 2), hasBias: true),
        .init(name: "1-D depthwise stride 2 dilation 2 padding 2", inputShape: [1, 3, 16], weightShape: [6, 1, 5],
              options: .init(stride: 2, padding: .explicit(top: 0, bottom: 0, left: 2, right: 2), dilation: 2, groups: 3)),
        // Several outputs: with a single output the sum can cancel to ~0.3% of Σ|x·w|, and then
        // max|diff| / max|ref| measures the cancellation, not the path (seen: 1.7e-5 for fft and
        // 5.5e-6 for direct on one such output, both about one ulp of the largest term).
        .init(name: "1-D kernel as large as the padded input", inputShape: [2, 1, 6], weightShape: [3, 1, 8],
              options: .init(padding: .explicit(top: 0, bottom: 0, left: 1, right: 1))),
        .init(name: "1-D long sequence", inputShape: [1, 2, 300], weightShape: [2, 2, 7], hasBias: true),
    ])

    /// Gives each case its own seed.
    private static func numbered(_ cases: [ConvolutionCase]) -> [ConvolutionCase] {
        cases.enumerated().map { index, testCase in
            var numbered = testCase
            numbered.seed = 1_000 + UInt64(index)
            return numbered
        }
    }
}

/// Random convolutions that are valid by construction: batch 1–3, channels 1–6 with groups
/// dividing both, H and W 1–20, kernel 1–6, stride 1–3, dilation 1–3, and 0–4 zeros per side
/// (explicit, 60 %), `same` (20 %), `full` (10 %) or `valid` (10 %); a quarter are 1-D. With
/// explicit or no padding, a kernel whose dilated span would not fit the padded input is cut to
/// the largest that does.
enum RandomConvolution {
    typealias Channels = (batch: Int, inChannels: Int, outChannels: Int, groupChoice: Int, oneDimensional: Bool, bias: Bool)
    typealias Extents = (height: Int, width: Int, kernelHeight: Int, kernelWidth: Int)
    typealias Steps = (strideHeight: Int, strideWidth: Int, dilationHeight: Int, dilationWidth: Int)
    typealias Pads = (top: Int, bottom: Int, left: Int, right: Int, mode: Int)

    static let generator = zip(
        zip(Gen.int(in: 1...3), Gen.int(in: 1...6), Gen.int(in: 1...6), Gen.int(in: 0...5), Gen.bool(0.25), Gen.bool),
        zip(Gen.int(in: 1...20), Gen.int(in: 1...20), Gen.int(in: 1...6), Gen.int(in: 1...6)),
        zip(Gen.int(in: 1...3), Gen.int(in: 1...3), Gen.int(in: 1...3), Gen.int(in: 1...3)),
        zip(Gen.int(in: 0...4), Gen.int(in: 0...4), Gen.int(in: 0...4), Gen.int(in: 0...4), Gen.int(in: 0...9)),
        Gen.uint64(in: 0...UInt64(UInt32.max))
    ).map { draws in
        make(channels: draws.0, extents: draws.1, steps: draws.2, pads: draws.3, seed: draws.4)
    }

    static func make(channels: Channels, extents: Extents, steps: Steps, pads: Pads, seed: UInt64) -> ConvolutionCase {
        let oneD = channels.oneDimensional
        let c = channels.inChannels, o = channels.outChannels
        let divisors = (1...min(c, o)).filter { c % $0 == 0 && o % $0 == 0 }
        let groups = divisors[channels.groupChoice % divisors.count]
        let h = oneD ? 1 : extents.height, w = extents.width
        let stride = SpatialPair(height: oneD ? 1 : steps.strideHeight, width: steps.strideWidth)
        let dilation = SpatialPair(height: oneD ? 1 : steps.dilationHeight, width: steps.dilationWidth)
        var kh = oneD ? 1 : extents.kernelHeight, kw = extents.kernelWidth
        let padding: Padding
        switch pads.mode {
        case 0..<6:
            padding = .explicit(top: oneD ? 0 : pads.top, bottom: oneD ? 0 : pads.bottom, left: pads.left, right: pads.right)
        case 6..<8: padding = .same
        case 8: padding = .full
        default: padding = .valid
        }
        if case .explicit(let top, let bottom, let left, let right) = padding {
            kh = min(kh, (h + top + bottom - 1) / dilation.height + 1)
            kw = min(kw, (w + left + right - 1) / dilation.width + 1)
        } else if padding == .valid {
            kh = min(kh, (h - 1) / dilation.height + 1)
            kw = min(kw, (w - 1) / dilation.width + 1)
        }
        let n = channels.batch
        return ConvolutionCase(
            name: "random",
            inputShape: oneD ? [n, c, w] : [n, c, h, w],
            weightShape: oneD ? [o, c / groups, kw] : [o, c / groups, kh, kw],
            options: .init(stride: stride, padding: padding, dilation: dilation, groups: groups),
            hasBias: channels.bias, seed: seed)
    }
}

/// Cases big enough for the paths to split work over threads (batch, channels, tiles, GEMM blocks).
enum ThreadCases {
    static let all: [ConvolutionCase] = [
        .init(name: "batch 4", inputShape: [4, 3, 16, 16], weightShape: [6, 3, 3, 3], options: .init(padding: .same), hasBias: true, seed: 11),
        .init(name: "many output channels", inputShape: [1, 4, 20, 20], weightShape: [16, 4, 3, 3], seed: 12),
        .init(name: "one large map", inputShape: [1, 1, 70, 70], weightShape: [1, 1, 5, 5], seed: 13),
        .init(name: "grouped strided", inputShape: [3, 6, 17, 15], weightShape: [6, 2, 3, 3],
              options: .init(stride: 2, padding: .symmetric(1), groups: 3), seed: 14),
        .init(name: "1-D batch 3", inputShape: [3, 4, 200], weightShape: [8, 4, 9], options: .init(dilation: 2), hasBias: true, seed: 15),
    ]
}

// MARK: - Tests

@Suite struct ConvolutionPathAgreementTests {
    @Test(arguments: ConvolutionAlgorithm.allCases, EdgeCases.all)
    func edgeCaseMatchesReference(algorithm: ConvolutionAlgorithm, testCase: ConvolutionCase) throws {
        // autotune is among the cases: keep its choices in memory, out of the user's cache file.
        let engine = try ConvolutionEngine(threads: 2, autotuner: Autotuner())
        try expectAgreementWithReference(testCase, algorithm: algorithm, engine: engine)
    }

    @Test func edgeCaseTableIsValidAndCoversTheShapesItNames() throws {
        // Guards the table itself: every case must resolve, and the special ones must be what they say.
        let geometries = try EdgeCases.all.map { try $0.geometry() }
        #expect(geometries.contains { $0.isOneDimensional && $0.groups > 1 })
        #expect(geometries.contains { !$0.isOneDimensional && $0.groups == $0.inChannels && $0.outChannels == 2 * $0.inChannels })
        #expect(geometries.contains { $0.paddedHeight == $0.effectiveKernelHeight && $0.paddedWidth == $0.effectiveKernelWidth })
        #expect(geometries.contains { $0.stride.height != $0.stride.width && $0.dilation.height != $0.dilation.width })
        #expect(geometries.contains { $0.padTop > $0.kernelHeight })
        #expect(EdgeCases.all.contains { $0.hasBias } && EdgeCases.all.contains { !$0.hasBias })
        #expect(Set(EdgeCases.all.map(\.name)).count == EdgeCases.all.count, "case names must be unique")
    }

    /// About 80 random valid geometries per path (a different draw every run; a failure prints the
    /// `.fixedSeed(…)` that reproduces it).
    @Test(arguments: ConvolutionAlgorithm.concrete)
    func randomValidGeometriesMatchReference(algorithm: ConvolutionAlgorithm) async throws {
        let engine = try ConvolutionEngine(threads: 2)
        await propertyCheck(count: 80, input: RandomConvolution.generator) { testCase in
            try expectAgreementWithReference(testCase, algorithm: algorithm, engine: engine)
        }
    }

    @Test func randomGeneratorOnlyProducesValidGeometries() async {
        await propertyCheck(count: 500, input: RandomConvolution.generator) { testCase in
            let geometry = try testCase.geometry()
            #expect(geometry.batch <= 3 && geometry.inChannels <= 6 && geometry.outChannels <= 6)
            #expect(geometry.kernelHeight <= 6 && geometry.kernelWidth <= 6)
            #expect(geometry.effectiveKernelHeight <= geometry.paddedHeight && geometry.effectiveKernelWidth <= geometry.paddedWidth)
        }
    }

    @Test(arguments: ConvolutionAlgorithm.concrete)
    func threadCountDoesNotChangeTheResult(algorithm: ConvolutionAlgorithm) throws {
        let one = try ConvolutionEngine(threads: 1)
        let two = try ConvolutionEngine(threads: 2)
        for testCase in ThreadCases.all {
            let single = testCase.operands()
            let y1 = try runPath(one, single, options: testCase.options, algorithm: algorithm)
            let y2 = try runPath(two, single, options: testCase.options, algorithm: algorithm)
            expectClose(y2, y1, within: Tolerance.threadInvariance, "Float \(algorithm), threads 1 vs 2, \(testCase)")
            let double = single.converted(to: Double.self)
            let z1 = try runPath(one, double, options: testCase.options, algorithm: algorithm)
            let z2 = try runPath(two, double, options: testCase.options, algorithm: algorithm)
            expectClose(z2, z1, within: Tolerance.threadInvariance, "Double \(algorithm), threads 1 vs 2, \(testCase)")
        }
    }

    /// One engine keeps workspaces and plans between calls: a call must not see what an earlier
    /// call of another geometry left behind, and repeating a call must repeat its result.
    @Test(arguments: ConvolutionAlgorithm.concrete)
    func reusedEngineGivesTheSameResultsAcrossChangingGeometries(algorithm: ConvolutionAlgorithm) throws {
        let engine = try ConvolutionEngine(threads: 2)
        let big = ConvolutionCase(name: "big", inputShape: [2, 3, 30, 30], weightShape: [4, 3, 5, 5],
                                  options: .init(padding: .symmetric(2)), hasBias: true, seed: 21)
        let small = ConvolutionCase(name: "small", inputShape: [1, 2, 6, 7], weightShape: [3, 2, 3, 3], seed: 22)
        let line = ConvolutionCase(name: "1-D", inputShape: [1, 2, 40], weightShape: [2, 2, 5],
                                   options: .init(padding: .same), seed: 23)
        var first: [String: Tensor<Float>] = [:]
        for testCase in [big, small, line, big, small, line] {
            try expectAgreementWithReference(testCase, algorithm: algorithm, engine: engine)
            let y = try runPath(engine, testCase.operands(), options: testCase.options, algorithm: algorithm)
            if let earlier = first[testCase.name] {
                expectClose(y, earlier, within: Tolerance.threadInvariance, "repeated call of \(testCase)")
            } else {
                first[testCase.name] = y
            }
        }
        // prepare(…) then forward(geometry:) — the benchmark sequence — gives the same result.
        let geometry = try big.geometry()
        try engine.prepare(algorithm, geometry: geometry, scalar: Float.self)
        let operands = big.operands()
        let prepared = try engine.forward(input: operands.input, weight: operands.weight, bias: operands.bias,
                                          geometry: geometry, algorithm: algorithm)
        let unprepared = try #require(first[big.name])
        expectClose(prepared, unprepared, within: Tolerance.threadInvariance, "prepared \(big)")
    }

    @Test func autoResolvesToAConcretePathAndComputesWhatThatPathComputes() throws {
        let engine = try ConvolutionEngine(threads: 2)
        for testCase in [EdgeCases.all[0], ThreadCases.all[0], ThreadCases.all[4]] {
            let geometry = try testCase.geometry()
            let resolved = engine.resolve(.auto, for: geometry)
            #expect(ConvolutionAlgorithm.concrete.contains(resolved), "auto resolved to \(resolved) for \(testCase)")
            for algorithm in ConvolutionAlgorithm.concrete {
                #expect(engine.resolve(algorithm, for: geometry) == algorithm)
            }
            let operands = testCase.operands()
            let viaAuto = try runPath(engine, operands, options: testCase.options, algorithm: .auto)
            let viaResolved = try runPath(engine, operands, options: testCase.options, algorithm: resolved)
            expectClose(viaAuto, viaResolved, within: Tolerance.threadInvariance, "auto vs \(resolved) on \(testCase)")
        }
    }
}
