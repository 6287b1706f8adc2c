/// A transposed ("fractionally strided") convolution with every size resolved — PyTorch's
/// `ConvTranspose2d` / `ConvTranspose1d`.
///
/// Layouts: input `[N, C_in, H, W]` (or `[N, C_in, L]`), weight `[C_in, C_out/G, kH, kW]` (or
/// `[C_in, C_out/G, K]`), output `[N, C_out, Ho, Wo]` with, per axis,
///
///     out = (n − 1)·s − padBefore − padAfter + d·(k − 1) + outputPadding + 1
///
/// (``ConvolutionGeometry/transposedOutputSize(input:kernel:stride:padBefore:padAfter:dilation:outputPadding:)``,
/// next to the forward formula). Each input element scatters its kernel, scaled, onto the output:
///
///     y[n, g·C_out/G + o, i·sH + a·dH − padTop, j·sW + b·dW − padLeft] += x[n, c, i, j] · w[c, o, a, b]
///
/// for `c` in group `g`; positions outside the output are dropped. This is the adjoint of the
/// ``equivalentForward`` convolution G' (input `[N, C_out, Ho, Wo]`, the same weight read as OIHW
/// with `O = C_in`, the same stride, dilation, groups and top/left padding): the transposed forward
/// is G''s input gradient, its input gradient is G''s forward, its weight gradient G''s weight
/// gradient with x and dy exchanged. The kernel may be larger than the input.
///
/// Padding: ``Padding/valid`` or ``Padding/explicit(top:bottom:left:right:)`` (the zeros the
/// equivalent forward adds, i.e. output rows/columns removed); `same` and `full` are rejected
/// because their meaning for a transposed convolution differs between frameworks.
/// Output padding (extra rows/columns at the bottom/right) must be below the stride or the
/// dilation on its axis, as in PyTorch.
public struct TransposedConvolutionGeometry: Sendable, Hashable, CustomStringConvertible {
    public let batch: Int
    /// C_in.
    public let inChannels: Int
    /// C_out.
    public let outChannels: Int
    /// Input rows H (1 for 1-D) and columns W (the length for 1-D).
    public let height: Int
    public let width: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let groups: Int
    public let stride: SpatialPair
    public let dilation: SpatialPair
    public let padTop: Int
    public let padBottom: Int
    public let padLeft: Int
    public let padRight: Int
    public let outputPadding: SpatialPair
    /// Output rows and columns.
    public let outHeight: Int
    public let outWidth: Int
    public let isOneDimensional: Bool
    /// The forward convolution G' whose input gradient this transposed convolution is. Its output
    /// (`[N, C_in, ≥H, ≥W]`) is larger than the input only when the output padding reaches the stride
    /// (allowed below the dilation); the input is then extended with zeros.
    public let equivalentForward: ConvolutionGeometry

    /// - Throws: ``SpectralConvError/invalidShape(_:)`` for wrong ranks, non-positive extents, a
    ///   weight whose first extent is not C_in, or an output smaller than 1;
    ///   ``SpectralConvError/invalidArgument(_:)`` for stride/dilation/groups below 1, groups not
    ///   dividing C_in, `same`/`full` or negative padding, and output padding that is negative or
    ///   not below the stride or the dilation.
    public init(inputShape: [Int], weightShape: [Int], options: ConvolutionOptions = .init(), outputPadding: SpatialPair = 0) throws(SpectralConvError) {
        let oneD: Bool
        switch (inputShape.count, weightShape.count) {
        case (4, 4): oneD = false
        case (3, 3): oneD = true
        default:
            throw .invalidShape("transposed convolution: input \(inputShape) and weight \(weightShape): expected NCHW input with [C_in, C_out/G, kH, kW] weight (rank 4) or NCL with [C_in, C_out/G, K] (rank 3)")
        }
        guard inputShape.allSatisfy({ $0 > 0 }) else { throw .invalidShape("input shape \(inputShape) has an extent below 1") }
        guard weightShape.allSatisfy({ $0 > 0 }) else { throw .invalidShape("weight shape \(weightShape) has an extent below 1") }
        let groups = options.groups
        let stride = oneD ? SpatialPair(height: 1, width: options.stride.width) : options.stride
        let dilation = oneD ? SpatialPair(height: 1, width: options.dilation.width) : options.dilation
        let outputPadding = oneD ? SpatialPair(height: 0, width: outputPadding.width) : outputPadding
        guard groups >= 1 else { throw .invalidArgument("groups must be at least 1, got \(groups)") }
        guard stride.height >= 1, stride.width >= 1 else { throw .invalidArgument("stride must be at least 1, got \(options.stride)") }
        guard dilation.height >= 1, dilation.width >= 1 else { throw .invalidArgument("dilation must be at least 1, got \(options.dilation)") }
        let n = inputShape[0], cIn = inputShape[1]
        let h = oneD ? 1 : inputShape[2], w = inputShape[oneD ? 2 : 3]
        let kh = oneD ? 1 : weightShape[2], kw = weightShape[oneD ? 2 : 3]
        guard weightShape[0] == cIn else {
            throw .invalidShape("transposed convolution weight \(weightShape) must start with the \(cIn) input channels ([C_in, C_out/G, kH, kW])")
        }
        guard cIn % groups == 0 else { throw .invalidArgument("groups \(groups) does not divide the \(cIn) input channels") }
        let cOut = weightShape[1] * groups

        let pads: (top: Int, bottom: Int, left: Int, right: Int)
        switch options.padding {
        case .valid: pads = (0, 0, 0, 0)
        case .same, .full:
            throw .invalidArgument("transposed convolution takes valid or explicit padding, got \(options.padding)")
        case .explicit(let top, let bottom, let left, let right):
            guard top >= 0, bottom >= 0, left >= 0, right >= 0 else {
                throw .invalidArgument("padding must be non-negative, got \(options.padding)")
            }
            guard !oneD || (top == 0 && bottom == 0) else {
                throw .invalidArgument("a 1-D convolution pads only left and right, got top \(top), bottom \(bottom)")
            }
            pads = (top, bottom, left, right)
        }
        for (axis, op, s, d) in [("height", outputPadding.height, stride.height, dilation.height), ("width", outputPadding.width, stride.width, dilation.width)] {
            guard op >= 0, op < s || op < d else {
                throw .invalidArgument("output padding \(op) along \(axis) must be non-negative and below the stride \(s) or the dilation \(d)")
            }
        }
        let outH = ConvolutionGeometry.transposedOutputSize(input: h, kernel: kh, stride: stride.height, padBefore: pads.top, padAfter: pads.bottom, dilation: dilation.height, outputPadding: outputPadding.height)
        let outW = ConvolutionGeometry.transposedOutputSize(input: w, kernel: kw, stride: stride.width, padBefore: pads.left, padAfter: pads.right, dilation: dilation.width, outputPadding: outputPadding.width)
        guard outH >= 1, outW >= 1 else {
            throw .invalidShape("the transposed convolution's output would be \(oneD ? "\(outW)" : "\(outH)x\(outW)"): the padding removes more than the kernel adds")
        }
        // G' reads the output with the same top/left padding; its bottom/right padding is reduced by
        // the output padding (never below 0), which keeps its output at least H × W.
        let forwardInput = oneD ? [n, cOut, outW] : [n, cOut, outH, outW]
        let forwardOptions = ConvolutionOptions(
            stride: stride,
            padding: .explicit(top: pads.top, bottom: max(0, pads.bottom - outputPadding.height),
                               left: pads.left, right: max(0, pads.right - outputPadding.width)),
            dilation: dilation, groups: groups)
        let forward = try ConvolutionGeometry(inputShape: forwardInput, weightShape: weightShape, options: forwardOptions)
        precondition(forward.outHeight >= h && forward.outWidth >= w, "the equivalent forward covers the input")

        batch = n
        inChannels = cIn
        outChannels = cOut
        height = h
        width = w
        kernelHeight = kh
        kernelWidth = kw
        self.groups = groups
        self.stride = stride
        self.dilation = dilation
        (padTop, padBottom, padLeft, padRight) = pads
        self.outputPadding = outputPadding
        outHeight = outH
        outWidth = outW
        isOneDimensional = oneD
        equivalentForward = forward
    }

    /// `[N, C_in, H, W]` or `[N, C_in, L]`.
    public var inputShape: [Int] { isOneDimensional ? [batch, inChannels, width] : [batch, inChannels, height, width] }
    /// `[C_in, C_out/G, kH, kW]` or `[C_in, C_out/G, K]`.
    public var weightShape: [Int] { equivalentForward.weightShape }
    /// `[N, C_out, Ho, Wo]` or `[N, C_out, Lo]`.
    public var outputShape: [Int] { isOneDimensional ? [batch, outChannels, outWidth] : [batch, outChannels, outHeight, outWidth] }
    /// `2·N·C_in·(C_out/G)·H·W·kH·kW`: the multiply-adds of the scatter, counted twice.
    public var usefulFlops: Double {
        2 * Double(batch) * Double(inChannels) * Double(outChannels / groups) * Double(height * width) * Double(kernelHeight * kernelWidth)
    }

    public var description: String {
        let size = isOneDimensional ? "L\(width)" : "\(height)x\(width)"
        let kernel = isOneDimensional ? "k\(kernelWidth)" : "k\(kernelHeight)x\(kernelWidth)"
        return "transposed N\(batch) C\(inChannels) \(size) -> O\(outChannels) \(kernel) stride \(stride) dilation \(dilation) pad \(padTop),\(padBottom),\(padLeft),\(padRight) output padding \(outputPadding) groups \(groups) -> \(outHeight)x\(outWidth)"
    }
}
