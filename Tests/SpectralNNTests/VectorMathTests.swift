import Foundation
import SpectralConv
@testable import SpectralNN
import Testing

/// The vectorised Float `exp`, `tanh` and sigmoid of ``VectorMath`` against Double libm on dense
/// grids of Float inputs (every 61st bit pattern of the range, both signs), the special values
/// (±0, subnormals, ±inf, NaN) and the branch boundaries. The bounds are those documented on
/// ``VectorMath``.
@Suite("VectorMath (SIMD exp, tanh, sigmoid)")
struct VectorMathTests {
    /// Applies `f` to `inputs` eight at a time (the last vector padded).
    static func evaluate(_ inputs: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
        var outputs = [Float](repeating: 0, count: inputs.count)
        var index = 0
        while index < inputs.count {
            var lanes = SIMD8<Float>()
            let count = min(8, inputs.count - index)
            for lane in 0..<count { lanes[lane] = inputs[index + lane] }
            let result = f(lanes)
            for lane in 0..<count { outputs[index + lane] = result[lane] }
            index += 8
        }
        return outputs
    }

    /// Every `step`-th non-negative Float from `low` to `high` (by bit pattern), and its negation.
    static func grid(from low: Float, to high: Float, step: UInt32 = 61) -> [Float] {
        var values: [Float] = []
        var bits = low.bitPattern
        while bits <= high.bitPattern {
            let value = Float(bitPattern: bits)
            values.append(value)
            values.append(-value)
            bits += step
        }
        return values
    }

    /// The largest relative error of `f` against `reference` (inputs whose reference is 0 count
    /// the absolute error).
    static func maxRelativeError(_ inputs: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>, _ reference: (Double) -> Double) -> (error: Double, at: Float) {
        let outputs = evaluate(inputs, f)
        var worst = (error: 0.0, at: Float(0))
        for (x, y) in zip(inputs, outputs) {
            let exact = reference(Double(x))
            let error = exact == 0 ? abs(Double(y)) : abs(Double(y) - exact) / abs(exact)
            if !(error <= worst.error) { worst = (error, x) }
        }
        return worst
    }

    @Test func expMatchesDoubleWithinItsDocumentedBound() {
        let halfLn2 = Float(0.5 * M_LN2)
        let inputs = Self.grid(from: 0, to: 87.3, step: 97) + [88, -87.3365, halfLn2, -halfLn2]
        let worst = Self.maxRelativeError(inputs, VectorMath.exp, Foundation.exp)
        #expect(worst.error <= 2.5e-7, "exp: relative error \(worst.error) at \(worst.at)")
        // Outside the clamped range the result stays finite and normal.
        let ends = Self.evaluate([1000, 89, -1000, -88], VectorMath.exp)
        #expect(ends[0] == ends[1] && ends[0].isFinite && ends[0] > 1e38, "exp(large) = \(ends[0]), \(ends[1])")
        #expect(ends[2] == ends[3] && ends[2].isNormal && ends[2] < 1.2e-38, "exp(very negative) = \(ends[2]), \(ends[3])")
    }

    @Test func tanhMatchesDoubleWithinItsDocumentedBound() {
        // Dense over [0, 10] (both signs), including the branch at 0.625 and the saturation near 9.
        let boundary: Float = 0.625
        let inputs = Self.grid(from: 0, to: 10) + [boundary, boundary.nextDown, boundary.nextUp, 9.01, 9.1]
        let worst = Self.maxRelativeError(inputs, VectorMath.tanh, Foundation.tanh)
        #expect(worst.error <= 3e-7, "tanh: relative error \(worst.error) at \(worst.at)")
        // Tiny inputs (subnormals included) are returned exactly; large ones give exactly ±1.
        let tiny: [Float] = [Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude, Float.leastNormalMagnitude, 1e-30, -3e-5, 2.4e-4]
        #expect(Self.evaluate(tiny, VectorMath.tanh) == tiny, "tanh(tiny) = x")
        let large: [Float] = [9.1, -9.1, 20, -50, 1e6, -1e30, .infinity, -.infinity, .greatestFiniteMagnitude]
        #expect(Self.evaluate(large, VectorMath.tanh) == large.map { $0 > 0 ? 1 : -1 }, "tanh(large) = ±1")
        // Signed zeros keep their sign; NaN passes through; the function is exactly odd.
        let zeros = Self.evaluate([0, -0.0], VectorMath.tanh)
        #expect(zeros[0] == 0 && zeros[0].sign == .plus && zeros[1] == 0 && zeros[1].sign == .minus)
        let nans = Self.evaluate([.nan, -.nan], VectorMath.tanh)
        #expect(nans[0].isNaN && nans[1].isNaN)
        let positive = Self.grid(from: 0, to: 10, step: 4001).filter { $0 >= 0 }
        #expect(Self.evaluate(positive, VectorMath.tanh) == Self.evaluate(positive.map { -$0 }, VectorMath.tanh).map { -$0 })
    }

    @Test func sigmoidMatchesDoubleWithinItsDocumentedBound() {
        let inputs = Self.grid(from: 0, to: 87.3, step: 97) + [-87.3365]
        let worst = Self.maxRelativeError(inputs, VectorMath.sigmoid) { x in
            x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        }
        #expect(worst.error <= 5e-7, "sigmoid: relative error \(worst.error) at \(worst.at)")
        let special = Self.evaluate([0, -0.0, 100, .infinity, -88, -1000, -.infinity, .nan], VectorMath.sigmoid)
        #expect(special[0] == 0.5 && special[1] == 0.5)
        #expect(special[2] == 1 && special[3] == 1)
        #expect(special[4] == 0 && special[5] == 0 && special[6] == 0, "sigmoid below −87.34 flushes to 0: \(special)")
        #expect(special[7].isNaN)
    }

    /// The Tanh layer (Float) runs the vector function on any element count (partial last vector)
    /// and agrees with Double within the bound; the layer's Double path agrees with libm exactly.
    @Test func tanhLayerCoversPartialVectors() throws {
        for count in [1, 7, 8, 9, 100, 40_003] {
            let values = (0..<count).map { Float($0 % 97) / 8 - 6 }
            let layer = Tanh<Float>()
            layer.parallelism = Parallelism(threads: 2)
            let y = try layer.forward(Tensor(shape: [count], scalars: values), training: true)
            for (x, value) in zip(values, y.scalars) {
                let exact = Foundation.tanh(Double(x))
                #expect(abs(Double(value) - exact) <= 3e-7 * abs(exact), "count \(count): tanh(\(x)) = \(value)")
            }
        }
        let doubles = (0..<50).map { Double($0) / 7 - 3 }
        let y = try Tanh<Double>().forward(Tensor(shape: [50], scalars: doubles), training: true)
        #expect(y.scalars == doubles.map(Foundation.tanh))
    }
}
