/// The hyper-parameters of a convolution, as PyTorch's `nn.Conv2d` names them.
///
/// For a 1-D convolution only the `width` components of ``stride`` and ``dilation`` are used.
public struct ConvolutionOptions: Sendable, Hashable {
    /// Step between neighbouring outputs, in input samples (≥ 1).
    public var stride: SpatialPair
    /// Zero padding around the input.
    public var padding: Padding
    /// Spacing between kernel taps (≥ 1; 1 is an ordinary kernel, 2 an "atrous" kernel with holes).
    public var dilation: SpatialPair
    /// Number of independent channel groups: input and output channels must both be divisible by it.
    /// `groups == inChannels` is a depthwise convolution.
    public var groups: Int

    public init(stride: SpatialPair = 1, padding: Padding = .valid, dilation: SpatialPair = 1, groups: Int = 1) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }
}
