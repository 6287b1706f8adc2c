/// The three computations a convolution layer runs, each of which may be fastest on a different
/// path for the same layer (the gradients are convolutions of other shapes).
public enum ConvolutionOperation: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// `y = x ⋆ w` (``ConvolutionEngine/forward(input:weight:bias:geometry:algorithm:)``).
    case forward
    /// `dL/dx` (``ConvolutionEngine/backwardInput(outputGradient:weight:geometry:algorithm:)``).
    case inputGradient = "input-gradient"
    /// `dL/dw` (``ConvolutionEngine/backwardWeight(input:outputGradient:geometry:algorithm:)``).
    case weightGradient = "weight-gradient"

    public var description: String { rawValue }
}
