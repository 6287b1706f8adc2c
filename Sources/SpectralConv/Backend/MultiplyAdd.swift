/// `c + a·b` lane by lane, fused into one FMA instruction when the build targets a CPU that has one.
///
/// Swift does not contract `c + a * b` into an FMA by itself, and `addingProduct` must be exactly
/// fused, which on baseline x86-64 (no FMA unit) becomes a slow library call per lane. So the choice
/// is made at build time: the Makefile passes `-DSPECTRALCONV_FMA` together with
/// `-target-cpu haswell` (or newer) when the build machine has FMA; a portable build multiplies
/// and adds separately. Results differ only by the rounding of the intermediate product.
@inline(__always)
func multiplyAdd<V: SIMD>(_ a: V, _ b: V, _ c: V) -> V where V.Scalar: FloatingPoint {
    #if SPECTRALCONV_FMA
    return c.addingProduct(a, b)
    #else
    return c + a * b
    #endif
}
