/// The product of the FFT path's per-map route, where an output map reads one input map and the
/// channel sum of ``SpectralProduct/multiply(inputs:kernels:outputs:layout:parallelism:)`` has a
/// single term: a bin-by-bin multiplication by the conjugate kernel spectrum (correlation),
///
///     ŷ(f) = x̂(f) · conj(ŵ(f)):   Re ŷ = xr·wr + xi·wi,   Im ŷ = xi·wr − xr·wi.
extension SpectralProduct {
    /// `y[f] = x[f] · conj(w[f])` for `bins` interleaved `(re, im)` bins; `y` may be `x`.
    ///
    /// Four bins per vector: with `x = (xr, xi, …)`, `wr = (wr, wr, …)`, `wi = (wi, −wi, …)` and
    /// `x̃ = (xi, xr, …)`, `y = x·wr + x̃·wi` — one multiply and one multiply-add per 4 bins, lane shuffles
    /// instead of a repacked kernel. `6·bins` flops; memory-bound, which is why the route does it
    /// while the spectra are in cache.
    static func multiplyConjugate<S: TensorScalar>(
        _ x: UnsafePointer<S>, _ w: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, bins: Int
    ) {
        typealias V = Vector<S>
        let sign = V(1, -1, 1, -1, 1, -1, 1, -1)
        let vectors = bins / binsPerVector
        for index in 0..<vectors {
            let offset = index * 2 * binsPerVector
            let xv = UnsafeRawPointer(x + offset).loadUnaligned(as: V.self)
            let wv = UnsafeRawPointer(w + offset).loadUnaligned(as: V.self)
            let wr = V(wv[0], wv[0], wv[2], wv[2], wv[4], wv[4], wv[6], wv[6])
            let wi = V(wv[1], wv[1], wv[3], wv[3], wv[5], wv[5], wv[7], wv[7]) * sign
            let swapped = V(xv[1], xv[0], xv[3], xv[2], xv[5], xv[4], xv[7], xv[6])
            UnsafeMutableRawPointer(y + offset).storeBytes(of: multiplyAdd(xv * wr, swapped, wi), as: V.self)
        }
        for bin in (vectors * binsPerVector)..<bins {
            let (xr, xi) = (x[2 * bin], x[2 * bin + 1])
            let (wr, wi) = (w[2 * bin], w[2 * bin + 1])
            y[2 * bin] = xr * wr + xi * wi
            y[2 * bin + 1] = xi * wr - xr * wi
        }
    }
}
