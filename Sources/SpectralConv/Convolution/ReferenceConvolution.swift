/// The definition of the convolution, computed literally: the yardstick every fast path is tested against.
///
/// For every output element (cross-correlation, as deep-learning frameworks compute it):
///
///     y[n, o, i, j] = bias[o] + Σ_{c<C/G} Σ_{a<kH} Σ_{b<kW}
///                     x[n, g·C/G + c, i·sH + a·dH − padTop, j·sW + b·dW − padLeft] · w[o, c, a, b]
///
/// with `g = o / (O/G)` and `x` = 0 outside the input. Cost `N·O·(C/G)·Ho·Wo·kH·kW` multiply-adds,
/// no blocking, no vectorisation: run it in `Double` for a reference.
public enum ReferenceConvolution {
    /// Computes the convolution by its definition.
    /// - Parameters:
    ///   - input: `[N, C, H, W]` or `[N, C, L]`.
    ///   - weight: `[O, C/G, kH, kW]` or `[O, C/G, K]`.
    ///   - bias: `[O]` or nil.
    /// - Returns: `[N, O, Ho, Wo]` or `[N, O, Lo]`.
    /// - Throws: ``SpectralConvError`` when the shapes or options do not fit (see ``ConvolutionGeometry``).
    public static func forward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>? = nil, options: ConvolutionOptions = .init()
    ) throws(SpectralConvError) -> Tensor<S> {
        let g = try ConvolutionGeometry(inputShape: input.shape, weightShape: weight.shape, options: options)
        try validateBias(bias, geometry: g)
        var output = Tensor<S>(shape: g.outputShape)
        let x = input.scalars, w = weight.scalars
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        var offset = 0
        for n in 0..<g.batch {
            for o in 0..<g.outChannels {
                let group = o / og
                for i in 0..<g.outHeight {
                    for j in 0..<g.outWidth {
                        var sum: S = bias.map { $0.scalars[o] } ?? 0
                        for c in 0..<cg {
                            let channel = group * cg + c
                            for a in 0..<g.kernelHeight {
                                let row = i * g.stride.height + a * g.dilation.height - g.padTop
                                guard row >= 0 && row < g.height else { continue }
                                for b in 0..<g.kernelWidth {
                                    let column = j * g.stride.width + b * g.dilation.width - g.padLeft
                                    guard column >= 0 && column < g.width else { continue }
                                    let xv = x[((n * g.inChannels + channel) * g.height + row) * g.width + column]
                                    let wv = w[((o * cg + c) * g.kernelHeight + a) * g.kernelWidth + b]
                                    sum += xv * wv
                                }
                            }
                        }
                        output.withUnsafeMutableBufferPointer { $0[offset] = sum }
                        offset += 1
                    }
                }
            }
        }
        return output
    }
}

/// Checks that a bias has shape `[O]`.
func validateBias<S: TensorScalar>(_ bias: Tensor<S>?, geometry: ConvolutionGeometry) throws(SpectralConvError) {
    guard let bias else { return }
    guard bias.shape == [geometry.outChannels] else {
        throw .invalidShape("bias shape \(bias.shape) does not match the \(geometry.outChannels) output channels; expected [\(geometry.outChannels)]")
    }
}
