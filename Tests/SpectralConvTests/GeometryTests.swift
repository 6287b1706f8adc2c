import SpectralConv
import Testing
import SpectralTestSupport

/// Shorthand: the geometry of an NCHW/OIHW (or NCL/OIL) pair.
private func geometry(
    _ input: [Int], _ weight: [Int], stride: SpatialPair = 1, padding: Padding = .valid,
    dilation: SpatialPair = 1, groups: Int = 1
) throws -> ConvolutionGeometry {
    try ConvolutionGeometry(
        inputShape: input, weightShape: weight,
        options: .init(stride: stride, padding: padding, dilation: dilation, groups: groups))
}

@Suite struct GeometryOutputSizeTests {
    @Test func seedNetworkSizes() throws {
        // 28 → 24 (k 5), 24 → 22 (k 3), 2×2 pooling 22 → 11, 11 → 9 (k 3), pooling 9 → 4.
        let first = try geometry([1, 1, 28, 28], [4, 1, 5, 5])
        #expect(first.outHeight == 24 && first.outWidth == 24)
        #expect(first.outputShape == [1, 4, 24, 24])
        let second = try geometry([1, 4, 24, 24], [8, 4, 3, 3])
        #expect(second.outputShape == [1, 8, 22, 22])
        #expect(ConvolutionGeometry.outputSize(input: 22, kernel: 2, stride: 2, padBefore: 0, padAfter: 0, dilation: 1) == 11)
        let third = try geometry([1, 8, 11, 11], [16, 8, 3, 3])
        #expect(third.outputShape == [1, 16, 9, 9])
        #expect(ConvolutionGeometry.outputSize(input: 9, kernel: 2, stride: 2, padBefore: 0, padAfter: 0, dilation: 1) == 4)
    }

    @Test func stridedOutputIsTheFloorOfTheStepCount() throws {
        // (24 − 3)/2 + 1 = 11, (28 − 5)/2 + 1 = 12 (floor of 11.5), (8 − 3)/2 + 1 = 3 (floor of 2.5).
        #expect(ConvolutionGeometry.outputSize(input: 24, kernel: 3, stride: 2, padBefore: 0, padAfter: 0, dilation: 1) == 11)
        #expect(ConvolutionGeometry.outputSize(input: 28, kernel: 5, stride: 2, padBefore: 0, padAfter: 0, dilation: 1) == 12)
        #expect(ConvolutionGeometry.outputSize(input: 7, kernel: 3, stride: 2, padBefore: 0, padAfter: 0, dilation: 1) == 3)
        #expect(ConvolutionGeometry.outputSize(input: 8, kernel: 3, stride: 2, padBefore: 0, padAfter: 0, dilation: 1) == 3)
        #expect(ConvolutionGeometry.outputSize(input: 13, kernel: 3, stride: 3, padBefore: 1, padAfter: 1, dilation: 1) == 5)
        let g = try geometry([2, 3, 24, 28], [4, 3, 3, 5], stride: 2)
        #expect(g.outputShape == [2, 4, 11, 12])
        // Different strides per axis: H (24 − 3)/2 + 1 = 11, W (28 − 5)/3 + 1 = 8.
        let g2 = try geometry([1, 3, 24, 28], [4, 3, 3, 5], stride: .init(height: 2, width: 3))
        #expect(g2.outHeight == 11 && g2.outWidth == 8)
        // A stride longer than the input leaves exactly one output.
        let g3 = try geometry([1, 1, 5, 5], [1, 1, 3, 3], stride: 7)
        #expect(g3.outHeight == 1 && g3.outWidth == 1)
    }

    @Test func samePaddingUsesTheTensorFlowSplit() throws {
        // n = 5, k = 4: total 3, one above, two below (the odd unit at the bottom/right).
        let split = ConvolutionGeometry.samePadding(input: 5, kernel: 4, stride: 1, dilation: 1)
        #expect(split.before == 1 && split.after == 2)
        let g = try geometry([1, 1, 5, 5], [1, 1, 4, 4], padding: .same)
        #expect(g.padTop == 1 && g.padBottom == 2 && g.padLeft == 1 && g.padRight == 2)
        #expect(g.outHeight == 5 && g.outWidth == 5)
        // Stride 2: n = 6, k = 3 → out 3, total (3−1)·2 + 3 − 6 = 1, all of it after.
        let strided = ConvolutionGeometry.samePadding(input: 6, kernel: 3, stride: 2, dilation: 1)
        #expect(strided.before == 0 && strided.after == 1)
        // Dilation 2, k = 3: span 5, total 4 → (2, 2).
        let dilated = ConvolutionGeometry.samePadding(input: 5, kernel: 3, stride: 1, dilation: 2)
        #expect(dilated.before == 2 && dilated.after == 2)
        // A stride so long that no padding is needed: never negative.
        let none = ConvolutionGeometry.samePadding(input: 10, kernel: 1, stride: 4, dilation: 1)
        #expect(none.before == 0 && none.after == 0)
    }

    @Test func samePaddingGivesCeilOfInputOverStride() throws {
        for n in 1...12 {
            for k in 1...5 {
                for s in 1...3 {
                    for d in 1...2 {
                        let g = try geometry([1, 1, n, n + 1], [1, 1, k, k], stride: .init(s), padding: .same, dilation: .init(d))
                        let context = "n \(n) k \(k) s \(s) d \(d)"
                        #expect(g.outHeight == (n + s - 1) / s, "\(context)")
                        #expect(g.outWidth == (n + 1 + s - 1) / s, "\(context)")
                        #expect(g.padBottom - g.padTop == 0 || g.padBottom - g.padTop == 1, "\(context)")
                        #expect(g.padRight - g.padLeft == 0 || g.padRight - g.padLeft == 1, "\(context)")
                        if s == 1 {
                            // Stride 1: exactly the dilated kernel's overhang, as PyTorch's padding='same'.
                            #expect(g.padTop + g.padBottom == d * (k - 1), "\(context)")
                        }
                    }
                }
            }
        }
    }

    @Test func fullPaddingGrowsTheOutputByTheDilatedKernelOverhang() throws {
        let g = try geometry([1, 1, 5, 7], [1, 1, 3, 2], padding: .full)
        #expect(g.padTop == 2 && g.padBottom == 2 && g.padLeft == 1 && g.padRight == 1)
        #expect(g.outHeight == 5 + 2 && g.outWidth == 7 + 1)
        let dilated = try geometry([1, 1, 6, 6], [1, 1, 3, 3], padding: .full, dilation: .init(height: 2, width: 3))
        #expect(dilated.outHeight == 6 + 2 * 2 && dilated.outWidth == 6 + 3 * 2)
        // A kernel larger than the input is fine with full padding: n + k − 1 outputs.
        let big = try geometry([1, 1, 3, 3], [1, 1, 5, 5], padding: .full)
        #expect(big.outHeight == 7 && big.outWidth == 7)
    }

    @Test func explicitAsymmetricPaddingIsKeptPerSide() throws {
        let g = try geometry([1, 2, 5, 5], [3, 2, 3, 3], padding: .explicit(top: 0, bottom: 2, left: 1, right: 0))
        #expect(g.padTop == 0 && g.padBottom == 2 && g.padLeft == 1 && g.padRight == 0)
        #expect(g.paddedHeight == 7 && g.paddedWidth == 6)
        #expect(g.outHeight == 5 && g.outWidth == 4)
        let symmetric = try geometry([1, 2, 5, 5], [3, 2, 3, 3], padding: .symmetric(height: 1, width: 2))
        #expect(symmetric.padTop == 1 && symmetric.padBottom == 1 && symmetric.padLeft == 2 && symmetric.padRight == 2)
        #expect(symmetric.outHeight == 5 && symmetric.outWidth == 7)
        // Padding larger than the kernel: more outputs than inputs.
        let wide = try geometry([1, 1, 4, 4], [1, 1, 3, 3], padding: .symmetric(5))
        #expect(wide.outHeight == 12 && wide.outWidth == 12)
    }

    @Test func dilationWidensTheKernelSpan() throws {
        let g = try geometry([1, 1, 10, 10], [1, 1, 3, 3], dilation: 2)
        #expect(g.effectiveKernelHeight == 5 && g.effectiveKernelWidth == 5)
        #expect(g.outHeight == 6 && g.outWidth == 6)
        let mixed = try geometry([1, 1, 10, 10], [1, 1, 3, 3], dilation: .init(height: 2, width: 3))
        #expect(mixed.effectiveKernelHeight == 5 && mixed.effectiveKernelWidth == 7)
        #expect(mixed.outHeight == 6 && mixed.outWidth == 4)
        // Stride and dilation together: (15 + 4 − 5)/2 + 1 = 8.
        let both = try geometry([1, 1, 15, 15], [1, 1, 3, 3], stride: 2, padding: .symmetric(2), dilation: 2)
        #expect(both.outHeight == 8 && both.outWidth == 8)
    }

    @Test func oneDimensionalShapesUseWidthOnly() throws {
        let g = try geometry([2, 3, 20], [4, 3, 5])
        #expect(g.isOneDimensional)
        #expect(g.height == 1 && g.kernelHeight == 1 && g.outHeight == 1)
        #expect(g.outWidth == 16)
        #expect(g.outputShape == [2, 4, 16])
        #expect(g.inputShape == [2, 3, 20] && g.weightShape == [4, 3, 5])
        // The height components of stride and dilation are ignored (documented): even 0 is accepted.
        let strided = try geometry([1, 1, 20], [1, 1, 5], stride: .init(height: 0, width: 2), dilation: .init(height: 7, width: 2))
        #expect(strided.stride == SpatialPair(height: 1, width: 2))
        #expect(strided.dilation == SpatialPair(height: 1, width: 2))
        #expect(strided.outWidth == (20 - 9) / 2 + 1)
        let same = try geometry([1, 1, 9], [1, 1, 4], stride: 2, padding: .same)
        #expect(same.padTop == 0 && same.padBottom == 0)
        #expect(same.outWidth == 5)
        let full = try geometry([1, 1, 9], [1, 1, 4], padding: .full, dilation: 2)
        #expect(full.padTop == 0 && full.padBottom == 0 && full.padLeft == 6 && full.padRight == 6)
        #expect(full.outWidth == 9 + 6)
        let padded = try geometry([1, 1, 9], [1, 1, 3], padding: .explicit(top: 0, bottom: 0, left: 2, right: 1))
        #expect(padded.padLeft == 2 && padded.padRight == 1 && padded.outWidth == 10)
    }

    @Test func groupsSplitTheChannels() throws {
        let g = try geometry([2, 6, 8, 8], [9, 2, 3, 3], groups: 3)
        #expect(g.inChannelsPerGroup == 2 && g.outChannelsPerGroup == 3)
        #expect(g.weightShape == [9, 2, 3, 3] && g.inputShape == [2, 6, 8, 8])
        let depthwise = try geometry([1, 4, 8, 8], [8, 1, 3, 3], groups: 4)
        #expect(depthwise.inChannelsPerGroup == 1 && depthwise.outChannelsPerGroup == 2)
    }

    @Test func transposedOutputSizeInvertsTheForwardSize() throws {
        // Closed case: 11 → (11 − 1)·2 + 2 + 1 = 23 → (23 − 3)/2 + 1 = 11.
        #expect(ConvolutionGeometry.transposedOutputSize(input: 11, kernel: 3, stride: 2, padBefore: 0, padAfter: 0, dilation: 1) == 23)
        #expect(ConvolutionGeometry.transposedOutputSize(input: 11, kernel: 3, stride: 2, padBefore: 0, padAfter: 0, dilation: 1, outputPadding: 1) == 24)
        #expect(ConvolutionGeometry.transposedOutputSize(input: 9, kernel: 3, stride: 1, padBefore: 0, padAfter: 0, dilation: 1) == 11)
        for n in 1...9 {
            for k in 1...4 {
                for s in 1...3 {
                    for d in 1...2 {
                        for before in 0...2 {
                            for after in 0...2 {
                                for extra in 0..<s {
                                    let m = ConvolutionGeometry.transposedOutputSize(
                                        input: n, kernel: k, stride: s, padBefore: before, padAfter: after, dilation: d, outputPadding: extra)
                                    guard m >= 1 else { continue }
                                    let back = ConvolutionGeometry.outputSize(
                                        input: m, kernel: k, stride: s, padBefore: before, padAfter: after, dilation: d)
                                    #expect(back == n, "n \(n) k \(k) s \(s) d \(d) pads \(before),\(after) outputPadding \(extra) → \(m) → \(back)")
                                }
                            }
                        }
                    }
                }
            }
        }
        // The other direction: every forward size m is recovered with outputPadding = the dropped remainder.
        for m in 1...15 {
            for k in 1...4 where k <= m + 2 {
                for s in 1...3 {
                    let span = m + 2 - k
                    let n = ConvolutionGeometry.outputSize(input: m, kernel: k, stride: s, padBefore: 1, padAfter: 1, dilation: 1)
                    let m2 = ConvolutionGeometry.transposedOutputSize(
                        input: n, kernel: k, stride: s, padBefore: 1, padAfter: 1, dilation: 1, outputPadding: span % s)
                    #expect(m2 == m, "m \(m) k \(k) s \(s)")
                }
            }
        }
    }

    @Test func usefulFlopsIsTwiceTheMultiplyAddCount() throws {
        // 2·N·O·(C/G)·Ho·Wo·kH·kW with N 2, O 8, C/G 3, Ho 8, Wo 11, kH 3, kW 2.
        let g = try geometry([2, 6, 10, 12], [8, 3, 3, 2], groups: 2)
        #expect(g.outHeight == 8 && g.outWidth == 11)
        let expected: Double = 2 * 2 * 8 * 3 * 8 * 11 * 3 * 2
        #expect(g.usefulFlops == expected)
        let oneD = try geometry([1, 4, 20], [8, 4, 5])
        let expectedOneD: Double = 2 * 1 * 8 * 4 * 16 * 5
        #expect(oneD.usefulFlops == expectedOneD)
        // The seed network's first layer: 2·4·24·24·25 = 115 200.
        #expect(try geometry([1, 1, 28, 28], [4, 1, 5, 5]).usefulFlops == 115_200)
    }
}

@Suite struct GeometryErrorTests {
    @Test func channelMismatchIsAnInvalidShape() {
        expectError(.invalidShape, mentioning: "3 channels", "weight") {
            _ = try geometry([1, 3, 8, 8], [4, 2, 3, 3])
        }
        // With groups: C/G = 2 expected per group but the weight says 3.
        expectError(.invalidShape, mentioning: "channels", "groups") {
            _ = try geometry([1, 4, 8, 8], [4, 3, 3, 3], groups: 2)
        }
        expectError(.invalidShape, mentioning: "channels") {
            _ = try geometry([1, 3, 20], [4, 2, 3])
        }
    }

    @Test func groupsMustDivideInputAndOutputChannels() {
        expectError(.invalidArgument, mentioning: "groups", "3 input channels") {
            _ = try geometry([1, 3, 8, 8], [4, 1, 3, 3], groups: 2)
        }
        expectError(.invalidArgument, mentioning: "groups", "3 output channels") {
            _ = try geometry([1, 4, 8, 8], [3, 2, 3, 3], groups: 2)
        }
    }

    @Test func kernelLargerThanPaddedInputIsRejected() throws {
        expectError(.invalidShape, mentioning: "kernel", "larger than the padded input") {
            _ = try geometry([1, 1, 4, 4], [1, 1, 5, 5])
        }
        // Only one axis too large.
        expectError(.invalidShape, mentioning: "kernel", "padded input") {
            _ = try geometry([1, 1, 8, 4], [1, 1, 3, 5])
        }
        // Padding that makes it fit: padded 6 ≥ 5.
        #expect(try geometry([1, 1, 4, 4], [1, 1, 5, 5], padding: .symmetric(1)).outHeight == 2)
        // Dilation 4 turns a 3-tap kernel into a span of 9 > 7…
        expectError(.invalidShape, mentioning: "kernel", "dilation", "padded input") {
            _ = try geometry([1, 1, 7, 7], [1, 1, 3, 3], dilation: 4)
        }
        // …which fits again with one zero on each side (9 ≥ 9).
        #expect(try geometry([1, 1, 7, 7], [1, 1, 3, 3], padding: .symmetric(1), dilation: 4).outHeight == 1)
        expectError(.invalidShape, mentioning: "kernel", "padded input") {
            _ = try geometry([1, 1, 4], [1, 1, 5])
        }
        expectError(.invalidShape, mentioning: "kernel", "padded input") {
            _ = try geometry([1, 1, 9], [1, 1, 3], dilation: 5)
        }
    }

    @Test func nonPositiveExtentsAreInvalidShapes() {
        for input in [[0, 1, 8, 8], [1, 0, 8, 8], [1, 1, 0, 8], [1, 1, 8, -1], [1, 1, 0]] {
            let weight = input.count == 4 ? [1, 1, 1, 1] : [1, 1, 1]
            expectError(.invalidShape, mentioning: "input", "extent") { _ = try geometry(input, weight) }
        }
        for weight in [[0, 1, 3, 3], [1, 0, 3, 3], [1, 1, 0, 3], [1, 1, 3, -2], [-1, 1, 3]] {
            let input = weight.count == 4 ? [1, 1, 8, 8] : [1, 1, 8]
            expectError(.invalidShape, mentioning: "weight", "extent") { _ = try geometry(input, weight) }
        }
    }

    @Test func strideDilationAndGroupsMustBePositive() {
        expectError(.invalidArgument, mentioning: "stride") { _ = try geometry([1, 1, 8, 8], [1, 1, 3, 3], stride: 0) }
        expectError(.invalidArgument, mentioning: "stride") {
            _ = try geometry([1, 1, 8, 8], [1, 1, 3, 3], stride: .init(height: 1, width: 0))
        }
        expectError(.invalidArgument, mentioning: "stride") { _ = try geometry([1, 1, 8, 8], [1, 1, 3, 3], stride: -2) }
        expectError(.invalidArgument, mentioning: "stride") { _ = try geometry([1, 1, 8], [1, 1, 3], stride: 0) }
        expectError(.invalidArgument, mentioning: "dilation") { _ = try geometry([1, 1, 8, 8], [1, 1, 3, 3], dilation: 0) }
        expectError(.invalidArgument, mentioning: "dilation") {
            _ = try geometry([1, 1, 8, 8], [1, 1, 3, 3], dilation: .init(height: 0, width: 1))
        }
        expectError(.invalidArgument, mentioning: "dilation") { _ = try geometry([1, 1, 8], [1, 1, 3], dilation: 0) }
        expectError(.invalidArgument, mentioning: "groups") { _ = try geometry([1, 1, 8, 8], [1, 1, 3, 3], groups: 0) }
        expectError(.invalidArgument, mentioning: "groups") { _ = try geometry([1, 2, 8, 8], [2, 2, 3, 3], groups: -1) }
    }

    @Test func negativeExplicitPaddingIsRejected() {
        let sides: [Padding] = [
            .explicit(top: -1, bottom: 0, left: 0, right: 0), .explicit(top: 0, bottom: -1, left: 0, right: 0),
            .explicit(top: 0, bottom: 0, left: -1, right: 0), .explicit(top: 0, bottom: 0, left: 0, right: -3),
        ]
        for padding in sides {
            expectError(.invalidArgument, mentioning: "padding", "non-negative") {
                _ = try geometry([1, 1, 8, 8], [1, 1, 3, 3], padding: padding)
            }
        }
        expectError(.invalidArgument, mentioning: "padding") {
            _ = try geometry([1, 1, 8], [1, 1, 3], padding: .explicit(top: 0, bottom: 0, left: -1, right: 0))
        }
    }

    @Test func rankMismatchIsAnInvalidShape() {
        expectError(.invalidShape, mentioning: "rank") { _ = try geometry([1, 1, 8, 8], [1, 1, 3]) }
        expectError(.invalidShape, mentioning: "rank") { _ = try geometry([1, 1, 8], [1, 1, 3, 3]) }
        expectError(.invalidShape, mentioning: "rank") { _ = try geometry([1, 1, 8, 8, 8], [1, 1, 3, 3, 3]) }
        expectError(.invalidShape, mentioning: "rank") { _ = try geometry([8, 8], [3, 3]) }
    }

    @Test func oneDimensionalConvolutionRejectsTopAndBottomPadding() {
        expectError(.invalidArgument, mentioning: "1-D", "top 1") {
            _ = try geometry([1, 1, 8], [1, 1, 3], padding: .explicit(top: 1, bottom: 0, left: 0, right: 0))
        }
        expectError(.invalidArgument, mentioning: "1-D", "bottom 2") {
            _ = try geometry([1, 1, 8], [1, 1, 3], padding: .symmetric(2))
        }
    }

    @Test func biasOfTheWrongShapeIsRejectedByEngineAndReference() throws {
        let input = Tensor<Float>.uniform(shape: [1, 2, 6, 6], seed: 1)
        let weight = Tensor<Float>.uniform(shape: [4, 2, 3, 3], seed: 2)
        let engine = try ConvolutionEngine(threads: 1)
        for biasShape in [[3], [5], [4, 1], [1, 4], []] {
            let bias = Tensor<Float>(shape: biasShape, repeating: 1)
            for algorithm in ConvolutionAlgorithm.allCases {
                expectError(.invalidShape, mentioning: "bias", "4 output channels") {
                    _ = try engine.forward(input: input, weight: weight, bias: bias, algorithm: algorithm)
                }
            }
            expectError(.invalidShape, mentioning: "bias", "4 output channels") {
                _ = try ReferenceConvolution.forward(input: input, weight: weight, bias: bias)
            }
        }
        let input1D = Tensor<Double>.uniform(shape: [1, 2, 9], seed: 3)
        let weight1D = Tensor<Double>.uniform(shape: [3, 2, 3], seed: 4)
        expectError(.invalidShape, mentioning: "bias") {
            _ = try engine.forward(input: input1D, weight: weight1D, bias: Tensor(shape: [2], repeating: 0), algorithm: .direct)
        }
        expectError(.invalidShape, mentioning: "bias") {
            _ = try ReferenceConvolution.forward(input: input1D, weight: weight1D, bias: Tensor(shape: [2], repeating: 0))
        }
    }

    @Test func engineRejectsTensorsThatDoNotMatchAResolvedGeometry() throws {
        let engine = try ConvolutionEngine(threads: 1)
        let g = try geometry([1, 2, 6, 6], [3, 2, 3, 3])
        let wrongInput = Tensor<Float>(shape: [1, 2, 6, 7])
        let weight = Tensor<Float>(shape: [3, 2, 3, 3])
        expectError(.invalidShape, mentioning: "geometry") {
            _ = try engine.forward(input: wrongInput, weight: weight, geometry: g, algorithm: .direct)
        }
        expectError(.invalidShape, mentioning: "geometry") {
            _ = try engine.forward(input: Tensor<Float>(shape: [1, 2, 6, 6]), weight: Tensor<Float>(shape: [3, 2, 2, 2]),
                                   geometry: g, algorithm: .fft)
        }
        expectError(.invalidShape, mentioning: "bias") {
            _ = try engine.forward(input: Tensor<Float>(shape: [1, 2, 6, 6]), weight: weight, bias: Tensor<Float>(shape: [2]),
                                   geometry: g, algorithm: .im2col)
        }
    }

    @Test func engineNeedsAtLeastOneThread() {
        expectError(.invalidArgument, mentioning: "threads") { _ = try ConvolutionEngine(threads: 0) }
        expectError(.invalidArgument, mentioning: "threads") { _ = try ConvolutionEngine(threads: -2) }
    }
}
