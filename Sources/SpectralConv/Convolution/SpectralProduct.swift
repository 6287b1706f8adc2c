/// Step 3 of the FFT path: for every frequency bin `f`, sum over input channels as a small complex
/// matrix product, `Ŷ_f[b][o] = Σ_c X̂_f[b][g(o)·C'/G + c] · conj(Ŵ_f[o][c])` (correlation = product
/// with the conjugate kernel spectrum).
///
/// Spectra are interleaved per bin (`[f][map]`, complex as `(re, im)` pairs), so each bin's
/// matrices are contiguous: `X̂_f` is `B × C'`, `Ŵ_f` is `O × C'/G`, `Ŷ_f` is `B × O`, row-major.
/// Large products go to BLAS `cgemm`/`zgemm` with `op(B) = Ŵᴴ`, one call per bin and group; small
/// ones (single-channel filtering, depthwise) to a plain loop, where a BLAS call would cost more
/// than the arithmetic. Bins are split over the threads; BLAS runs single-threaded inside.
enum SpectralProduct {
    /// Complex multiply-adds per bin and group from which a BLAS call pays off.
    static let gemmThreshold = 2048

    static func multiply<S: TensorScalar>(
        inputs xHat: UnsafePointer<S>, kernels wHat: UnsafePointer<S>, outputs yHat: UnsafeMutablePointer<S>,
        layout: FFTConvolutionLayout, parallelism: Parallelism
    ) {
        let g = layout.geometry
        let items = layout.batchItems
        let channels = layout.phaseChannels
        let channelsPerGroup = layout.phaseChannelsPerGroup
        let outChannels = g.outChannels
        let outPerGroup = g.outChannelsPerGroup
        let inputStride = 2 * items * channels
        let kernelStride = 2 * outChannels * channelsPerGroup
        let outputStride = 2 * items * outChannels
        let useGemm = items * channelsPerGroup * outPerGroup >= gemmThreshold
        if useGemm { BLAS.setThreads(1) }
        parallelism.forEachChunk(of: layout.bins) { bins in
            for f in bins {
                let x = xHat + f * inputStride
                let w = wHat + f * kernelStride
                let y = yHat + f * outputStride
                if useGemm {
                    for group in 0..<g.groups {
                        BLAS.complexGemm(
                            b: .conjugateTranspose, m: items, n: outPerGroup, k: channelsPerGroup,
                            a: UnsafeRawPointer(x + 2 * group * channelsPerGroup), lda: channels,
                            b: UnsafeRawPointer(w + 2 * group * outPerGroup * channelsPerGroup), ldb: channelsPerGroup,
                            beta: S(0), c: UnsafeMutableRawPointer(y + 2 * group * outPerGroup), ldc: outChannels)
                    }
                } else {
                    smallProduct(x: x, w: w, y: y, items: items, channels: channels, channelsPerGroup: channelsPerGroup,
                                 outChannels: outChannels, outPerGroup: outPerGroup)
                }
            }
        }
    }

    /// One bin's product by loops: `B · O · C'/G` complex multiply-adds.
    @inline(__always)
    private static func smallProduct<S: TensorScalar>(
        x: UnsafePointer<S>, w: UnsafePointer<S>, y: UnsafeMutablePointer<S>,
        items: Int, channels: Int, channelsPerGroup: Int, outChannels: Int, outPerGroup: Int
    ) {
        for item in 0..<items {
            for o in 0..<outChannels {
                let xRow = x + 2 * (item * channels + (o / outPerGroup) * channelsPerGroup)
                let wRow = w + 2 * o * channelsPerGroup
                var re: S = 0, im: S = 0
                for c in 0..<channelsPerGroup {
                    let xr = xRow[2 * c], xi = xRow[2 * c + 1]
                    let wr = wRow[2 * c], wi = wRow[2 * c + 1]
                    re += xr * wr + xi * wi
                    im += xi * wr - xr * wi
                }
                y[2 * (item * outChannels + o)] = re
                y[2 * (item * outChannels + o) + 1] = im
            }
        }
    }
}
