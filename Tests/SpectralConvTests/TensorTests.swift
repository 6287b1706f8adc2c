import SpectralConv
import Testing
import SpectralTestSupport

@Suite struct TensorTests {
    @Test func initRejectsAnElementCountThatDoesNotMatchTheShape() throws {
        expectError(.invalidShape, mentioning: "6 elements", "5") {
            _ = try Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5])
        }
        expectError(.invalidShape, mentioning: "0 elements") { _ = try Tensor<Double>(shape: [2, 0], scalars: [1]) }
        expectError(.invalidShape, mentioning: "non-negative") { _ = try Tensor<Float>(shape: [-1, -2], scalars: [1, 2]) }
        let scalar = try Tensor<Float>(shape: [], scalars: [7])
        #expect(scalar.rank == 0 && scalar.count == 1)
        let empty = try Tensor<Float>(shape: [3, 0], scalars: [])
        #expect(empty.count == 0 && empty.maxMagnitude == 0)
    }

    @Test func stridesAreRowMajor() throws {
        #expect(Tensor<Float>(shape: [2, 3, 4]).strides == [12, 4, 1])
        #expect(Tensor<Float>(shape: [3, 1, 2]).strides == [2, 2, 1])
        #expect(Tensor<Float>(shape: [5]).strides == [1])
        #expect(Tensor<Float>(shape: []).strides == [])
        #expect(Tensor<Float>(shape: [2, 3, 4, 5]).strides == [60, 20, 5, 1])
    }

    @Test func subscriptReadsAndWritesTheRowMajorOffset() {
        var t = Tensor<Float>(shape: [2, 3, 4]) { Float($0) }
        #expect(t[0, 0, 0] == 0)
        #expect(t[0, 1, 0] == 4)
        #expect(t[1, 0, 0] == 12)
        #expect(t[1, 2, 3] == 23)
        t[1, 0, 2] = -1
        #expect(t.scalars[14] == -1)
        #expect(t.scalars.enumerated().allSatisfy { $0.offset == 14 || $0.element == Float($0.offset) })
    }

    @Test func copiesAreIndependentValues() {
        let original = Tensor<Double>(shape: [2, 2], repeating: 3)
        var copy = original
        copy[0, 1] = 9
        #expect(original[0, 1] == 3)
        #expect(copy[0, 1] == 9)
        #expect(original != copy)
        var buffered = original
        buffered.withUnsafeMutableBufferPointer { $0[3] = -4 }
        #expect(original.scalars == [3, 3, 3, 3])
        #expect(buffered.scalars == [3, 3, 3, -4])
    }

    @Test func reshapedKeepsTheElementsInOrder() throws {
        let t = Tensor<Float>(shape: [2, 6]) { Float($0) }
        let r = try t.reshaped([3, 2, 2])
        #expect(r.shape == [3, 2, 2])
        #expect(r.scalars == t.scalars)
        #expect(r[2, 1, 0] == 10)
        #expect(try t.reshaped([12]).shape == [12])
        expectError(.invalidShape, mentioning: "12") { _ = try t.reshaped([5, 2]) }
        expectError(.invalidShape, mentioning: "non-negative") { _ = try t.reshaped([-3, -4]) }
    }

    @Test func convertedChangesPrecisionElementwise() {
        let f = Tensor<Float>(shape: [3, 2]) { Float($0) * 0.1 - 0.25 }
        let d = f.converted(to: Double.self)
        #expect(d.shape == [3, 2])
        #expect(zip(d.scalars, f.scalars).allSatisfy { $0 == Double($1) })
        let back: Tensor<Float> = d.converted()
        #expect(back == f)
        let precise = Tensor<Double>(shape: [2]) { $0 == 0 ? 1.0 / 3.0 : 1e-50 }
        let narrowed = precise.converted(to: Float.self)
        #expect(narrowed.scalars == [Float(1.0 / 3.0), 0])
    }

    @Test func uniformIsReproducibleFromItsSeed() {
        let a = Tensor<Float>.uniform(shape: [4, 5, 6], seed: 42)
        let b = Tensor<Float>.uniform(shape: [4, 5, 6], seed: 42)
        let c = Tensor<Float>.uniform(shape: [4, 5, 6], seed: 43)
        #expect(a == b)
        #expect(a != c)
        #expect(a.shape == [4, 5, 6] && a.count == 120)
        #expect(a.scalars.allSatisfy { (-1...1).contains($0) })
        // Not degenerate: values spread over the range.
        #expect(a.scalars.min()! < -0.5 && a.scalars.max()! > 0.5)
        let d = Tensor<Double>.uniform(shape: [50], in: 2...3, seed: 7)
        #expect(d.scalars.allSatisfy { (2...3).contains($0) })
        #expect(d == Tensor<Double>.uniform(shape: [50], in: 2...3, seed: 7))
    }

    @Test func splitMix64MatchesItsPublishedSequence() {
        // SplitMix64 from seed 0 (Steele, Lea & Flood 2014; the reference C code's first outputs):
        // the platform-independent stream every seeded tensor is built from.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func maxAbsoluteDifferenceIsTheLargestElementwiseGap() throws {
        let a = try Tensor<Double>(shape: [2, 2], scalars: [1, -2, 3, 4])
        let b = try Tensor<Double>(shape: [2, 2], scalars: [1.5, 2, 3, 3])
        #expect(a.maxAbsoluteDifference(from: b) == 4)
        #expect(b.maxAbsoluteDifference(from: a) == 4)
        #expect(a.maxAbsoluteDifference(from: a) == 0)
        #expect(a.maxMagnitude == 4)
        #expect(try Tensor<Float>(shape: [3], scalars: [0.5, -7, 2]).maxMagnitude == 7)
    }

    @Test func maxAbsoluteDifferenceAndMagnitudePropagateNaN() throws {
        // A NaN must never look like agreement: accuracy checks compare these against a bound.
        let clean = try Tensor<Float>(shape: [3], scalars: [0, 1, 2])
        let poisoned = try Tensor<Float>(shape: [3], scalars: [0, .nan, 2])
        #expect(poisoned.maxAbsoluteDifference(from: clean).isNaN)
        #expect(clean.maxAbsoluteDifference(from: poisoned).isNaN)
        #expect(poisoned.maxMagnitude.isNaN)
        let infinite = try Tensor<Float>(shape: [3], scalars: [0, .infinity, 2])
        #expect(infinite.maxAbsoluteDifference(from: clean) == .infinity)
        #expect(!(relativeError(poisoned, reference: clean.converted(to: Double.self)) <= 1))
    }

    @Test func relativeErrorIsMaxDifferenceOverMaxReference() throws {
        let reference = try Tensor<Double>(shape: [3], scalars: [2, -4, 1])
        let actual = try Tensor<Float>(shape: [3], scalars: [2, -4, 1.5])
        #expect(relativeError(actual, reference: reference) == 0.125)
        // An all-zero reference falls back to the absolute error instead of dividing by zero.
        let zeros = Tensor<Double>(shape: [3])
        #expect(relativeError(Tensor<Float>(shape: [3]), reference: zeros) == 0)
        #expect(relativeError(actual, reference: zeros) == 4)
        // Shapes that differ can never pass.
        #expect(relativeError(Tensor<Float>(shape: [1, 3]), reference: zeros) == .infinity)
    }
}
