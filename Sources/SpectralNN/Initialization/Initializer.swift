import Foundation
import SpectralConv

/// How a parameter tensor is filled at construction and on ``Layer/reset(generator:)``.
///
/// Fans follow Keras and PyTorch (both derive them from the weight's shape): for a dense weight
/// `[O, F]`, `fanIn = F`, `fanOut = O`; for a convolution weight `[O, C/G, k…]`,
/// `fanIn = (C/G)·Πk` and `fanOut = O·Πk`.
public enum Initializer: Sendable, Equatable {
    /// Glorot (Xavier) uniform, Keras' default: `U(−l, l)` with `l = sqrt(6 / (fanIn + fanOut))`.
    case glorotUniform
    /// He (Kaiming) normal: `N(0, σ²)` with `σ = sqrt(2 / fanIn)` (PyTorch's `kaiming_normal_`;
    /// untruncated, unlike Keras 2.1+'s truncated `he_normal`).
    case heNormal
    /// He (Kaiming) uniform: `U(−l, l)` with `l = sqrt(6 / fanIn)`.
    case heUniform
    /// `N(0, σ²)` with the given standard deviation.
    case normal(standardDeviation: Double)
    /// Every element equal to `value` (zeros for biases, 0.25 for PReLU slopes, 1 for BatchNorm's γ).
    case constant(Double)

    /// The fans of a weight of `shape` (`[O, F]` or `[O, C/G, k…]`); a 1-D shape has both fans equal
    /// to its length.
    public static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else { return (shape.first ?? 1, shape.first ?? 1) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A tensor of `shape` drawn from this distribution with `generator` (the same generator state
    /// always gives the same tensor).
    /// - Precondition: for the fan-based cases, every extent is positive.
    public func tensor<Scalar: TensorScalar>(shape: [Int], generator: inout SplitMix64) -> Tensor<Scalar> {
        tensor(shape: shape, fans: Self.fans(of: shape), generator: &generator)
    }

    /// A tensor of `shape` drawn with the given fans instead of those ``fans(of:)`` reads off the
    /// shape: for layouts whose leading axis is not the output, e.g. ``ConvTranspose2D``'s
    /// `[C_in, C_out/G, kH, kW]`. Same draws, in the same order, as ``tensor(shape:generator:)``.
    /// - Precondition: for the fan-based cases, both fans are positive.
    public func tensor<Scalar: TensorScalar>(shape: [Int], fans: (fanIn: Int, fanOut: Int), generator: inout SplitMix64) -> Tensor<Scalar> {
        let (fanIn, fanOut) = fans
        switch self {
        case .constant(let value):
            return Tensor(shape: shape, repeating: Scalar(value))
        case .glorotUniform:
            return Self.uniform(shape: shape, limit: (6 / Double(fanIn + fanOut)).squareRoot(), generator: &generator)
        case .heUniform:
            return Self.uniform(shape: shape, limit: (6 / Double(fanIn)).squareRoot(), generator: &generator)
        case .heNormal:
            return Self.normal(shape: shape, standardDeviation: (2 / Double(fanIn)).squareRoot(), generator: &generator)
        case .normal(let sigma):
            return Self.normal(shape: shape, standardDeviation: sigma, generator: &generator)
        }
    }

    /// `u ∈ [0, 1)` from the top 53 bits of the next output.
    static func unitUniform(_ generator: inout SplitMix64) -> Double {
        Double(generator.next() >> 11) * 0x1p-53
    }

    private static func uniform<Scalar: TensorScalar>(shape: [Int], limit: Double, generator: inout SplitMix64) -> Tensor<Scalar> {
        Tensor(shape: shape) { _ in Scalar(limit * (2 * unitUniform(&generator) - 1)) }
    }

    /// Box–Muller: `σ·sqrt(−2 ln(1 − u₁))·cos(2π u₂)`, one pair of uniforms per element.
    private static func normal<Scalar: TensorScalar>(shape: [Int], standardDeviation sigma: Double, generator: inout SplitMix64) -> Tensor<Scalar> {
        Tensor(shape: shape) { _ in
            let u1 = unitUniform(&generator), u2 = unitUniform(&generator)
            return Scalar(sigma * (-2 * Foundation.log(1 - u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
        }
    }
}
