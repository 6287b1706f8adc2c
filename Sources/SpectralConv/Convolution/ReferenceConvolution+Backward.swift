extension ReferenceConvolution {
    /// The gradient of a loss with respect to the convolution's input, by the definition
    /// (the adjoint of ``forward(input:weight:bias:options:)``):
    ///
    ///     dx[n, g·C/G + c, r, s] = Σ_{o ∈ group g} Σ_{a, b} dy[n, o, i, j] · w[o, c, a, b]
    ///         over the (i, j) with i·sH + a·dH − padTop = r and j·sW + b·dW − padLeft = s
    ///
    /// - Parameters:
    ///   - outputGradient: `dL/dy`, `[N, O, Ho, Wo]` (or `[N, O, Lo]`).
    ///   - weight: `[O, C/G, kH, kW]` (or `[O, C/G, K]`).
    ///   - geometry: the forward convolution.
    /// - Returns: `dL/dx`, `[N, C, H, W]` (or `[N, C, L]`).
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the tensors do not match the geometry.
    public static func backwardInput<S: TensorScalar>(
        outputGradient dy: Tensor<S>, weight: Tensor<S>, geometry g: ConvolutionGeometry
    ) throws(SpectralConvError) -> Tensor<S> {
        try checkShapes(dy, g.outputShape, "output gradient", weight, g.weightShape, "weight")
        var dx = Tensor<S>(shape: g.inputShape)
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        let dyValues = dy.scalars, w = weight.scalars
        dx.withUnsafeMutableBufferPointer { dx in
            for n in 0..<g.batch {
                for o in 0..<g.outChannels {
                    let group = o / og
                    for i in 0..<g.outHeight {
                        for j in 0..<g.outWidth {
                            let gradient = dyValues[((n * g.outChannels + o) * g.outHeight + i) * g.outWidth + j]
                            for c in 0..<cg {
                                let channel = group * cg + c
                                for a in 0..<g.kernelHeight {
                                    let row = i * g.stride.height + a * g.dilation.height - g.padTop
                                    guard row >= 0 && row < g.height else { continue }
                                    for b in 0..<g.kernelWidth {
                                        let column = j * g.stride.width + b * g.dilation.width - g.padLeft
                                        guard column >= 0 && column < g.width else { continue }
                                        dx[((n * g.inChannels + channel) * g.height + row) * g.width + column]
                                            += gradient * w[((o * cg + c) * g.kernelHeight + a) * g.kernelWidth + b]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// The gradient with respect to the weight, by the definition:
    ///
    ///     dw[o, c, a, b] = Σ_{n, i, j} dy[n, o, i, j] · x[n, g·C/G + c, i·sH + a·dH − padTop, j·sW + b·dW − padLeft]
    ///
    /// - Returns: `dL/dw`, `[O, C/G, kH, kW]` (or `[O, C/G, K]`).
    public static func backwardWeight<S: TensorScalar>(
        input x: Tensor<S>, outputGradient dy: Tensor<S>, geometry g: ConvolutionGeometry
    ) throws(SpectralConvError) -> Tensor<S> {
        try checkShapes(x, g.inputShape, "input", dy, g.outputShape, "output gradient")
        var dw = Tensor<S>(shape: g.weightShape)
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        let xValues = x.scalars, dyValues = dy.scalars
        dw.withUnsafeMutableBufferPointer { dw in
            for o in 0..<g.outChannels {
                let group = o / og
                for c in 0..<cg {
                    let channel = group * cg + c
                    for a in 0..<g.kernelHeight {
                        for b in 0..<g.kernelWidth {
                            var sum: S = 0
                            for n in 0..<g.batch {
                                for i in 0..<g.outHeight {
                                    let row = i * g.stride.height + a * g.dilation.height - g.padTop
                                    guard row >= 0 && row < g.height else { continue }
                                    for j in 0..<g.outWidth {
                                        let column = j * g.stride.width + b * g.dilation.width - g.padLeft
                                        guard column >= 0 && column < g.width else { continue }
                                        sum += dyValues[((n * g.outChannels + o) * g.outHeight + i) * g.outWidth + j]
                                            * xValues[((n * g.inChannels + channel) * g.height + row) * g.width + column]
                                    }
                                }
                            }
                            dw[((o * cg + c) * g.kernelHeight + a) * g.kernelWidth + b] = sum
                        }
                    }
                }
            }
        }
        return dw
    }

    /// The gradient with respect to the bias: `db[o] = Σ_{n, i, j} dy[n, o, i, j]`, shape `[O]`.
    public static func backwardBias<S: TensorScalar>(outputGradient dy: Tensor<S>, geometry g: ConvolutionGeometry) throws(SpectralConvError) -> Tensor<S> {
        guard dy.shape == g.outputShape else {
            throw .invalidShape("output gradient shape \(dy.shape) does not match the convolution's output \(g.outputShape)")
        }
        let plane = g.outHeight * g.outWidth
        return Tensor(shape: [g.outChannels]) { o in
            var sum: S = 0
            for n in 0..<g.batch {
                let base = (n * g.outChannels + o) * plane
                for index in base..<(base + plane) { sum += dy.scalars[index] }
            }
            return sum
        }
    }

    private static func checkShapes<S: TensorScalar>(
        _ first: Tensor<S>, _ firstExpected: [Int], _ firstName: String,
        _ second: Tensor<S>, _ secondExpected: [Int], _ secondName: String
    ) throws(SpectralConvError) {
        guard first.shape == firstExpected else {
            throw .invalidShape("\(firstName) shape \(first.shape) does not match the convolution's \(firstExpected)")
        }
        guard second.shape == secondExpected else {
            throw .invalidShape("\(secondName) shape \(second.shape) does not match the convolution's \(secondExpected)")
        }
    }
}
