/// The three computations of a convolution layer, each of which may be fastest on a different path
/// for the same layer (the gradients are convolutions of other shapes).
public enum ConvolutionPass: String, Codable, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// `y = x ⋆ w`.
    case forward
    /// `dL/dx`.
    case backwardInput = "backward_input"
    /// `dL/dw`.
    case backwardWeight = "backward_weight"

    public var description: String { rawValue }

    /// The pass computing `gradient`.
    public init(_ gradient: ConvolutionGradient) {
        self = gradient == .input ? .backwardInput : .backwardWeight
    }
}
