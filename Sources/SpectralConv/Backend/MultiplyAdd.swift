/// `acc + a·b` lane by lane: the one multiply-add every SIMD kernel of the toolkit uses.
///
/// Swift has no compile-time test for CPU features and never contracts `acc + a * b` into a fused
/// multiply-add, so the choice is a compilation condition:
/// - `SPECTRALCONV_FMA` defined (`-Xswiftc -DSPECTRALCONV_FMA`, which the Makefile passes together
///   with `-Xswiftc -target-cpu -Xswiftc haswell` or another CPU with FMA): `addingProduct`, one
///   `vfmadd231ps`/`pd` per vector — twice the throughput of a separate multiply and add
///   (measured on Zen 4: ~100 vs ~47 GFLOP/s single-thread for a 3×3, 64-channel direct layer);
/// - on arm64, which always has FMA: `addingProduct` as well;
/// - otherwise: a multiply and an add, correct and fast enough on any x86-64. `addingProduct`
///   must not be used there: without FMA in the target, LLVM lowers the vector `llvm.fma` to one
///   `fmaf` library call per lane (~120× slower).
///
/// Results differ between the two only by the rounding of the intermediate product.
@inline(__always)
func multiplyAdd<V: SIMD>(_ acc: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint {
    #if SPECTRALCONV_FMA || arch(arm64)
    return acc.addingProduct(a, b)
    #else
    return acc + a * b
    #endif
}
