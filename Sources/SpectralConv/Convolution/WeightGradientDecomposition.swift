/// The weight gradient of a convolution written as one forward convolution with the roles of the
/// batch and channel axes exchanged: how the direct and FFT paths compute `dL/dw` with their own
/// forward code.
///
///     dw[o, c, a, b] = Σ_{n, i, j} dy[n, o, i, j] · x[n, g·C/G + c, i·sH + a·dH − pT, j·sW + b·dW − pL]
///
/// is a forward convolution whose
/// - input is `x' [C/G, G·N, H', W']`, `x'[c, g·N + n] = x[n, g·C/G + c]` (the input's "images" are
///   the channels of a group, its channels the (group, image) pairs);
/// - weight is `dy' [O, N, Ho, Wo]`, `dy'[o, n] = dy[n, o]` (dy is the kernel);
/// - stride is the forward dilation, dilation the forward stride, padding the forward padding,
///   groups the forward groups;
/// - output is `[C/G, O, kH, kW]`, `dw[o, c] = out[c, o]`.
///
/// For the output to be exactly `kH × kW` the padded input must span `s·(Ho−1) + d·(k−1) + 1`:
/// the bottom/right padding is reduced, and rows/columns the forward never read (the remainder a
/// stride drops) are cropped from `x'`. When the convolution never reads an input element at all
/// (padding so large that every tap falls into it) the gradient is zero and ``geometry`` is nil.
///
/// Cost: the forward's `N·O·(C/G)·Ho·Wo·kH·kW` multiply-adds plus one copy of x and of dy. In the
/// FFT path the product per bin is `Σ_n X̂'·conj(dŶ')`, the correlation by a conjugate spectrum.
struct WeightGradientDecomposition {
    /// The exchanged convolution, or nil when the gradient is identically zero.
    let geometry: ConvolutionGeometry?
    /// Input rows and columns kept in `x'` (the leading ones).
    let cropHeight: Int
    let cropWidth: Int

    init(_ g: ConvolutionGeometry) {
        func axis(input n: Int, output: Int, kernel k: Int, stride s: Int, dilation d: Int, padBefore p: Int) -> (crop: Int, padAfter: Int) {
            let needed = s * (output - 1) + d * (k - 1) + 1 - p
            guard needed > 0 else { return (0, 0) }
            let crop = min(n, needed)
            return (crop, needed - crop)
        }
        let rows = axis(input: g.height, output: g.outHeight, kernel: g.kernelHeight, stride: g.stride.height, dilation: g.dilation.height, padBefore: g.padTop)
        let columns = axis(input: g.width, output: g.outWidth, kernel: g.kernelWidth, stride: g.stride.width, dilation: g.dilation.width, padBefore: g.padLeft)
        cropHeight = rows.crop
        cropWidth = columns.crop
        guard rows.crop > 0, columns.crop > 0 else {
            geometry = nil
            return
        }
        let cg = g.inChannelsPerGroup
        let inputShape = g.isOneDimensional ? [cg, g.groups * g.batch, columns.crop] : [cg, g.groups * g.batch, rows.crop, columns.crop]
        let weightShape = g.isOneDimensional ? [g.outChannels, g.batch, g.outWidth] : [g.outChannels, g.batch, g.outHeight, g.outWidth]
        let options = ConvolutionOptions(
            stride: g.dilation, padding: .explicit(top: g.padTop, bottom: rows.padAfter, left: g.padLeft, right: columns.padAfter),
            dilation: g.stride, groups: g.groups)
        do {
            let derived = try ConvolutionGeometry(inputShape: inputShape, weightShape: weightShape, options: options)
            precondition(derived.outHeight == g.kernelHeight && derived.outWidth == g.kernelWidth, "derived weight-gradient size")
            geometry = derived
        } catch {
            preconditionFailure("derived weight-gradient geometry is invalid: \(error)")
        }
    }

    /// `x'[c, g·N + n, h, w] = x[n, g·C/G + c, h, w]` for `h < cropHeight`, `w < cropWidth`.
    func fillInput<T>(_ x: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, geometry g: ConvolutionGeometry, parallelism: Parallelism) {
        let cg = g.inChannelsPerGroup, plane = g.height * g.width, cropPlane = cropHeight * cropWidth
        let (ch, cw) = (cropHeight, cropWidth)
        parallelism.forEach(cg * g.groups * g.batch) { map in
            let c = map / (g.groups * g.batch), rest = map % (g.groups * g.batch)
            let group = rest / g.batch, n = rest % g.batch
            let source = x + (n * g.inChannels + group * cg + c) * plane
            let target = out + map * cropPlane
            if cw == g.width {
                target.update(from: source, count: ch * cw)
            } else {
                for row in 0..<ch { (target + row * cw).update(from: source + row * g.width, count: cw) }
            }
        }
    }

    /// `dy'[o, n] = dy[n, o]`.
    static func fillKernel<T>(_ dy: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, geometry g: ConvolutionGeometry, parallelism: Parallelism) {
        let plane = g.outHeight * g.outWidth
        parallelism.forEach(g.outChannels * g.batch) { map in
            let o = map / g.batch, n = map % g.batch
            (out + map * plane).update(from: dy + (n * g.outChannels + o) * plane, count: plane)
        }
    }

    /// `dw[o, c] = out[c, o]` (kernel planes of `kH·kW`).
    static func transposeResult<T>(_ result: UnsafePointer<T>, into dw: UnsafeMutablePointer<T>, geometry g: ConvolutionGeometry) {
        let cg = g.inChannelsPerGroup, taps = g.kernelHeight * g.kernelWidth
        for o in 0..<g.outChannels {
            for c in 0..<cg {
                (dw + (o * cg + c) * taps).update(from: result + (c * g.outChannels + o) * taps, count: taps)
            }
        }
    }
}
