import SpectralConv
import Testing

/// Hand-computed results for the reference every path is measured against: if the yardstick were
/// wrong (flipped kernel, padding offset, group mapping), agreement tests would prove nothing.
@Suite struct ReferenceConvolutionTests {
    private func tensor(_ shape: [Int], _ values: [Double]) throws -> Tensor<Double> {
        try Tensor(shape: shape, scalars: values)
    }

    @Test func computesCrossCorrelationNotFlippedConvolution() throws {
        let x = try tensor([1, 1, 5], [0, 1, 2, 3, 4])
        // A tap at the first kernel position reads x[i]; at the last, x[i + 2].
        let first = try ReferenceConvolution.forward(input: x, weight: try tensor([1, 1, 3], [1, 0, 0]))
        #expect(first.scalars == [0, 1, 2])
        let last = try ReferenceConvolution.forward(input: x, weight: try tensor([1, 1, 3], [0, 0, 1]))
        #expect(last.scalars == [2, 3, 4])
        let x2 = try tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let corner = try ReferenceConvolution.forward(input: x2, weight: try tensor([1, 1, 2, 2], [0, 0, 0, 1]))
        #expect(corner.scalars == [5, 6, 8, 9])
    }

    @Test func strideDilationAndPaddingIn1D() throws {
        let x = try tensor([1, 1, 5], [1, 2, 3, 4, 5])
        let difference = try tensor([1, 1, 2], [1, -1])
        #expect(try ReferenceConvolution.forward(input: x, weight: difference).scalars == [-1, -1, -1, -1])
        #expect(try ReferenceConvolution.forward(input: x, weight: difference, options: .init(stride: 2)).scalars == [-1, -1])
        // Dilation 2: y[i] = x[i] − x[i + 2].
        #expect(try ReferenceConvolution.forward(input: x, weight: difference, options: .init(dilation: 2)).scalars == [-2, -2, -2])
        // Full padding: every partial overlap of [1, 1] with [1, 2, 3].
        let short = try tensor([1, 1, 3], [1, 2, 3])
        let sum = try tensor([1, 1, 2], [1, 1])
        #expect(try ReferenceConvolution.forward(input: short, weight: sum, options: .init(padding: .full)).scalars == [1, 3, 5, 3])
        // Asymmetric padding: two zeros on the left, none on the right.
        let padded = try ReferenceConvolution.forward(
            input: short, weight: sum, options: .init(padding: .explicit(top: 0, bottom: 0, left: 2, right: 0)))
        #expect(padded.scalars == [0, 1, 3, 5])
    }

    @Test func samePaddingCountsNeighboursIn2D() throws {
        let ones = Tensor<Double>(shape: [1, 1, 3, 3], repeating: 1)
        let box = Tensor<Double>(shape: [1, 1, 3, 3], repeating: 1)
        let y = try ReferenceConvolution.forward(input: ones, weight: box, options: .init(padding: .same))
        #expect(y.shape == [1, 1, 3, 3])
        #expect(y.scalars == [4, 6, 4, 6, 9, 6, 4, 6, 4])
        // Even kernel, 'same': the single padding unit goes to the bottom/right, so output (0, 0)
        // sees rows/columns 0...1 (4 ones) and the last one sees 2...3, where 3 is padding (1 one).
        let even = Tensor<Double>(shape: [1, 1, 2, 2], repeating: 1)
        let z = try ReferenceConvolution.forward(input: ones, weight: even, options: .init(padding: .same))
        #expect(z.scalars == [4, 4, 2, 4, 4, 2, 2, 2, 1])
    }

    @Test func groupsConnectEachOutputToItsOwnChannels() throws {
        // Channel 0 holds 1s, channel 1 holds 2s.
        let x = Tensor<Double>(shape: [1, 2, 2, 2]) { $0 < 4 ? 1 : 2 }
        let grouped = try ReferenceConvolution.forward(
            input: x, weight: Tensor(shape: [2, 1, 1, 1], repeating: 1), options: .init(groups: 2))
        #expect(grouped.scalars == [1, 1, 1, 1, 2, 2, 2, 2])
        let dense = try ReferenceConvolution.forward(input: x, weight: Tensor(shape: [2, 2, 1, 1], repeating: 1))
        #expect(dense.scalars == [Double](repeating: 3, count: 8))
        // Depthwise with channel multiplier 2: outputs 0, 1 read channel 0; outputs 2, 3 read channel 1.
        let multiplier = try ReferenceConvolution.forward(
            input: x, weight: try tensor([4, 1, 1, 1], [1, 10, 100, 1000]), options: .init(groups: 2))
        #expect(multiplier.scalars == [1, 1, 1, 1, 10, 10, 10, 10, 200, 200, 200, 200, 2000, 2000, 2000, 2000])
    }

    @Test func biasIsAddedPerOutputChannelAndBatchIsIndependent() throws {
        let x = Tensor<Double>(shape: [2, 1, 2, 2]) { Double($0) }
        let y = try ReferenceConvolution.forward(
            input: x, weight: try tensor([2, 1, 1, 1], [1, -1]), bias: try tensor([2], [10, 20]))
        #expect(y.shape == [2, 2, 2, 2])
        #expect(y.scalars == [10, 11, 12, 13, 20, 19, 18, 17, 14, 15, 16, 17, 16, 15, 14, 13])
    }
}
