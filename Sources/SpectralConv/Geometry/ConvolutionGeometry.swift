/// A convolution with every size resolved: the input, kernel and output extents and the exact
/// per-side padding. 1-D convolutions are represented as 2-D ones with `height == kernelHeight == 1`.
///
/// Sizes follow one formula, here and nowhere else (PyTorch's `Conv2d` / Keras' `Conv2D`):
///
///     out = floor((n + padBefore + padAfter − d·(k − 1) − 1) / s) + 1
///
/// e.g. the seed network: 28 → 24 (k 5), 24 → 22 (k 3), pooling 22 → 11, 11 → 9 (k 3), 9 → 4.
/// The transposed convolution's size, the inverse map, is ``transposedOutputSize(input:kernel:stride:padBefore:padAfter:dilation:outputPadding:)``.
public struct ConvolutionGeometry: Sendable, Hashable, CustomStringConvertible {
    /// Batch size N.
    public let batch: Int
    /// Input channels C.
    public let inChannels: Int
    /// Input rows H (1 for 1-D).
    public let height: Int
    /// Input columns W (the sequence length L for 1-D).
    public let width: Int
    /// Output channels O.
    public let outChannels: Int
    /// Kernel rows kH (1 for 1-D).
    public let kernelHeight: Int
    /// Kernel columns kW.
    public let kernelWidth: Int
    /// Channel groups G.
    public let groups: Int
    /// Stride along H and W.
    public let stride: SpatialPair
    /// Dilation along H and W.
    public let dilation: SpatialPair
    /// Zeros above the first input row.
    public let padTop: Int
    /// Zeros below the last input row.
    public let padBottom: Int
    /// Zeros left of the first input column.
    public let padLeft: Int
    /// Zeros right of the last input column.
    public let padRight: Int
    /// Output rows Ho.
    public let outHeight: Int
    /// Output columns Wo.
    public let outWidth: Int
    /// Whether the tensors are NCL / OIL rather than NCHW / OIHW.
    public let isOneDimensional: Bool

    /// Resolves a convolution of an NCHW input with an OIHW weight (or NCL with OIL).
    ///
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` for ranks other than 4/4 or 3/3, a non-positive
    ///   extent, a channel count that does not match `weight.shape[1] · groups`, or a dilated kernel
    ///   larger than the padded input; ``SpectralConvError/invalidArgument(_:)`` for a stride, dilation
    ///   or groups below 1, negative padding, or groups that do not divide both channel counts.
    public init(inputShape: [Int], weightShape: [Int], options: ConvolutionOptions) throws(SpectralConvError) {
        let oneD: Bool
        switch (inputShape.count, weightShape.count) {
        case (4, 4): oneD = false
        case (3, 3): oneD = true
        default:
            throw .invalidShape(
                "input \(inputShape) and weight \(weightShape): expected NCHW input with OIHW weight (rank 4) or NCL input with OIL weight (rank 3)")
        }
        guard inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidShape("input shape \(inputShape) has an extent below 1")
        }
        guard weightShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidShape("weight shape \(weightShape) has an extent below 1")
        }
        let groups = options.groups
        let stride = oneD ? SpatialPair(height: 1, width: options.stride.width) : options.stride
        let dilation = oneD ? SpatialPair(height: 1, width: options.dilation.width) : options.dilation
        guard groups >= 1 else { throw .invalidArgument("groups must be at least 1, got \(groups)") }
        guard stride.height >= 1, stride.width >= 1 else {
            throw .invalidArgument("stride must be at least 1, got \(options.stride)")
        }
        guard dilation.height >= 1, dilation.width >= 1 else {
            throw .invalidArgument("dilation must be at least 1, got \(options.dilation)")
        }
        let n = inputShape[0], c = inputShape[1]
        let h = oneD ? 1 : inputShape[2], w = inputShape[oneD ? 2 : 3]
        let o = weightShape[0], cPerGroup = weightShape[1]
        let kh = oneD ? 1 : weightShape[2], kw = weightShape[oneD ? 2 : 3]
        guard c % groups == 0 else {
            throw .invalidArgument("groups \(groups) does not divide the \(c) input channels")
        }
        guard o % groups == 0 else {
            throw .invalidArgument("groups \(groups) does not divide the \(o) output channels")
        }
        guard cPerGroup * groups == c else {
            throw .invalidShape(
                "input has \(c) channels but the weight expects \(cPerGroup) per group × \(groups) groups = \(cPerGroup * groups) (weight shape \(weightShape))")
        }

        let pads: (top: Int, bottom: Int, left: Int, right: Int)
        switch options.padding {
        case .valid:
            pads = (0, 0, 0, 0)
        case .full:
            let fh = oneD ? 0 : dilation.height * (kh - 1)
            let fw = dilation.width * (kw - 1)
            pads = (fh, fh, fw, fw)
        case .same:
            let (top, bottom) = oneD ? (0, 0) : Self.samePadding(input: h, kernel: kh, stride: stride.height, dilation: dilation.height)
            let (left, right) = Self.samePadding(input: w, kernel: kw, stride: stride.width, dilation: dilation.width)
            pads = (top, bottom, left, right)
        case .explicit(let top, let bottom, let left, let right):
            guard top >= 0, bottom >= 0, left >= 0, right >= 0 else {
                throw .invalidArgument("padding must be non-negative, got \(options.padding)")
            }
            guard !oneD || (top == 0 && bottom == 0) else {
                throw .invalidArgument("a 1-D convolution pads only left and right, got top \(top), bottom \(bottom)")
            }
            pads = (top, bottom, left, right)
        }

        let effectiveKH = dilation.height * (kh - 1) + 1
        let effectiveKW = dilation.width * (kw - 1) + 1
        let paddedH = h + pads.top + pads.bottom
        let paddedW = w + pads.left + pads.right
        guard effectiveKH <= paddedH, effectiveKW <= paddedW else {
            let kernelText = oneD ? "\(effectiveKW)" : "\(effectiveKH)x\(effectiveKW)"
            let inputText = oneD ? "\(paddedW)" : "\(paddedH)x\(paddedW)"
            throw .invalidShape(
                "the kernel (\(kernelText) with dilation) is larger than the padded input (\(inputText)); use more padding or a smaller kernel")
        }

        self.batch = n
        self.inChannels = c
        self.height = h
        self.width = w
        self.outChannels = o
        self.kernelHeight = kh
        self.kernelWidth = kw
        self.groups = groups
        self.stride = stride
        self.dilation = dilation
        self.padTop = pads.top
        self.padBottom = pads.bottom
        self.padLeft = pads.left
        self.padRight = pads.right
        self.isOneDimensional = oneD
        self.outHeight = Self.outputSize(input: h, kernel: kh, stride: stride.height, padBefore: pads.top, padAfter: pads.bottom, dilation: dilation.height)
        self.outWidth = Self.outputSize(input: w, kernel: kw, stride: stride.width, padBefore: pads.left, padAfter: pads.right, dilation: dilation.width)
    }

    /// `floor((n + padBefore + padAfter − d·(k − 1) − 1) / s) + 1`: the number of positions of a
    /// dilated kernel inside a padded input, stepping by `s`. Callers ensure the kernel fits.
    public static func outputSize(input n: Int, kernel k: Int, stride s: Int, padBefore: Int, padAfter: Int, dilation d: Int) -> Int {
        (n + padBefore + padAfter - d * (k - 1) - 1) / s + 1
    }

    /// The output extent of a transposed ("fractionally strided") convolution:
    /// `(n − 1)·s − padBefore − padAfter + d·(k − 1) + outputPadding + 1`, the extent whose forward
    /// convolution with the same parameters has extent `n`.
    public static func transposedOutputSize(input n: Int, kernel k: Int, stride s: Int, padBefore: Int, padAfter: Int, dilation d: Int, outputPadding: Int = 0) -> Int {
        (n - 1) * s - padBefore - padAfter + d * (k - 1) + outputPadding + 1
    }

    /// TensorFlow's `'same'` split: total `max((ceil(n/s) − 1)·s + d·(k − 1) + 1 − n, 0)`,
    /// `total / 2` before and the rest after.
    public static func samePadding(input n: Int, kernel k: Int, stride s: Int, dilation d: Int) -> (before: Int, after: Int) {
        let out = (n + s - 1) / s
        let total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
        return (total / 2, total - total / 2)
    }

    /// Input channels per group, C/G.
    public var inChannelsPerGroup: Int { inChannels / groups }
    /// Output channels per group, O/G.
    public var outChannelsPerGroup: Int { outChannels / groups }
    /// Rows spanned by the dilated kernel, `d·(kH − 1) + 1`.
    public var effectiveKernelHeight: Int { dilation.height * (kernelHeight - 1) + 1 }
    /// Columns spanned by the dilated kernel, `d·(kW − 1) + 1`.
    public var effectiveKernelWidth: Int { dilation.width * (kernelWidth - 1) + 1 }
    /// Rows of the zero-padded input.
    public var paddedHeight: Int { height + padTop + padBottom }
    /// Columns of the zero-padded input.
    public var paddedWidth: Int { width + padLeft + padRight }

    /// The input tensor's shape: `[N, C, H, W]` or `[N, C, L]`.
    public var inputShape: [Int] { isOneDimensional ? [batch, inChannels, width] : [batch, inChannels, height, width] }
    /// The weight tensor's shape: `[O, C/G, kH, kW]` or `[O, C/G, K]`.
    public var weightShape: [Int] {
        isOneDimensional ? [outChannels, inChannelsPerGroup, kernelWidth] : [outChannels, inChannelsPerGroup, kernelHeight, kernelWidth]
    }
    /// The output tensor's shape: `[N, O, Ho, Wo]` or `[N, O, Lo]`.
    public var outputShape: [Int] { isOneDimensional ? [batch, outChannels, outWidth] : [batch, outChannels, outHeight, outWidth] }

    /// Multiply-adds counted as two operations: `2·N·O·(C/G)·Ho·Wo·kH·kW` — the useful work every
    /// algorithm is measured against (GFLOP/s = this / seconds / 1e9).
    public var usefulFlops: Double {
        2 * Double(batch) * Double(outChannels) * Double(inChannelsPerGroup) * Double(outHeight) * Double(outWidth)
            * Double(kernelHeight) * Double(kernelWidth)
    }

    public var description: String {
        let size = isOneDimensional ? "L\(width)" : "\(height)x\(width)"
        let kernel = isOneDimensional ? "k\(kernelWidth)" : "k\(kernelHeight)x\(kernelWidth)"
        return "N\(batch) C\(inChannels) \(size) -> O\(outChannels) \(kernel) stride \(stride) dilation \(dilation) pad \(padTop),\(padBottom),\(padLeft),\(padRight) groups \(groups) -> \(outHeight)x\(outWidth)"
    }
}
