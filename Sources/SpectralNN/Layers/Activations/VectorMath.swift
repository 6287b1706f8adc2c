/// Vectorised `exp`, `tanh` and the logistic sigmoid on `SIMD8<Float>` (one 256-bit register with
/// `-target-cpu haswell`, two SSE registers otherwise), for the activation layers' Float path. The
/// Double path keeps the libm functions (it serves gradient checks, not speed).
///
/// ## Algorithms (Cephes' `expf`/`tanhf`, vectorised with selects instead of branches)
/// - `exp(x)`: `n = round(x·log₂e)` (by adding and subtracting 1.5·2²³), `r = x − n·ln2` with ln2
///   split in two parts (`C1 = 0.693359375` exact in 9 bits, `C2 = −2.12194440e−4`) so `n·C1` is
///   exact; `e^r ≈ 1 + r + r²·P(r)` with P of degree 5 on `|r| ≤ ln2/2`; the result is scaled by
///   `2ⁿ` built in the exponent bits. Inputs are clamped to `[−87.34, 88]`, so `n` stays in
///   `−126…127` and every result is a normal float: larger inputs give `e^88 ≈ 1.65e38` rather than
///   `+inf`, smaller ones `≈ 1.2e−38` rather than a subnormal or 0 (the callers below only use
///   the clamped ends where they do not matter, or replace them).
/// - `tanh(x)`: on `a = |x|`: `a < 0.625`: `a + a·s·Q(s)`, `s = a²`, Q of degree 4 (Cephes'
///   minimax); otherwise `1 − 2/(e^(2a) + 1)` (for `a ≥ 9.01` this rounds to 1). The sign of `x`
///   is then copied onto the result, so `tanh(−0) = −0` and the function is exactly odd; NaN
///   inputs are passed through.
/// - `sigmoid(x)`: `e = exp(−|x|)`, `1/(1 + e)` for `x ≥ 0` and `e/(1 + e)` for `x < 0`, so no
///   exponential overflows and both tails keep their relative accuracy; `x < −87.34` (where the true
///   value is below the smallest normal float) gives 0. NaN passes through.
///
/// ## Accuracy (measured by `VectorMathTests` against Double `tanh`/`exp` on a dense grid of
/// Floats, subnormals, ±0, ±inf and NaN included)
/// - `exp`: relative error ≤ 2.5e−7 (≈ 2 ulp) for `x ∈ [−87.34, 88]`.
/// - `tanh`: relative error ≤ 3e−7 (≈ 2.5 ulp) everywhere; exact (`x`) for `|x| < 2⁻¹²`, exact ±1 for
///   `|x| ≥ 9.1`.
/// - `sigmoid`: relative error ≤ 5e−7 for `x ≥ −87.34`.
/// Cost: about 20 vector operations per 8 elements for exp, 35 for tanh (both branches are computed
/// and selected), against ~20 ns per element for libm's Double `tanh` used before.
enum VectorMath {
    typealias Vector = SIMD8<Float>
    typealias Bits = SIMD8<UInt32>

    static let expUpper: Float = 88
    static let expLower: Float = -87.33654

    /// `e^x` per lane (see the type's documentation for range and accuracy).
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        // Selects rather than `clamped`/`pointwiseMin`, which the compiler leaves as calls.
        var clamped = x.replacing(with: expUpper, where: x .> expUpper)
        clamped = clamped.replacing(with: expLower, where: clamped .< expLower)
        // n = round(x·log2(e)): adding 1.5·2^23 leaves the integer in the low mantissa bits.
        let magic: Float = 12_582_912
        let shifted = multiplyAdd(Vector(repeating: magic), clamped, Vector(repeating: 1.442_695_04))
        let n = shifted - Vector(repeating: magic)
        var r = multiplyAdd(clamped, n, Vector(repeating: -0.693_359_375))
        r = multiplyAdd(r, n, Vector(repeating: 2.121_944_40e-4))
        var p = Vector(repeating: 1.987_569_15e-4)
        p = multiplyAdd(Vector(repeating: 1.398_199_95e-3), p, r)
        p = multiplyAdd(Vector(repeating: 8.333_451_90e-3), p, r)
        p = multiplyAdd(Vector(repeating: 4.166_579_59e-2), p, r)
        p = multiplyAdd(Vector(repeating: 1.666_666_55e-1), p, r)
        p = multiplyAdd(Vector(repeating: 5.000_000_12e-1), p, r)
        let value = multiplyAdd(r + 1, p, r * r)
        // 2^n from the integer in the low bits of `shifted`: (n + 127) << 23.
        let integer = unsafeBitCast(shifted, to: Bits.self) &- magic.bitPattern
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        return value * scale
    }

    /// `tanh(x)` per lane (see the type's documentation).
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: Bits.self)
        let sign = bits & 0x8000_0000
        let a = unsafeBitCast(bits & 0x7FFF_FFFF, to: Vector.self)
        // Small |x|: a + a·s·Q(s).
        let s = a * a
        var q = Vector(repeating: -5.704_988_727_45e-3)
        q = multiplyAdd(Vector(repeating: 2.063_908_879_54e-2), q, s)
        q = multiplyAdd(Vector(repeating: -5.373_971_555_31e-2), q, s)
        q = multiplyAdd(Vector(repeating: 1.333_144_220_36e-1), q, s)
        q = multiplyAdd(Vector(repeating: -3.333_328_194_22e-1), q, s)
        let small = multiplyAdd(a, a * s, q)
        // Large |x|: 1 − 2/(e^(2a) + 1); exp clamps, so a ≥ 44.4 still gives exactly 1.
        let e = exp(a + a)
        let large = 1 - 2 / (e + 1)
        let magnitude = large.replacing(with: small, where: a .< 0.625)
        let result = unsafeBitCast(unsafeBitCast(magnitude, to: Bits.self) | sign, to: Vector.self)
        return result.replacing(with: x, where: x .!= x)
    }

    /// `1 / (1 + e^(−x))` per lane (see the type's documentation).
    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: Bits.self)
        let negativeMagnitude = unsafeBitCast(bits | 0x8000_0000, to: Vector.self)   // −|x|
        let e = exp(negativeMagnitude)
        let denominator = 1 + e
        var result = (1 / denominator).replacing(with: e / denominator, where: x .< 0)
        result = result.replacing(with: 0, where: x .< expLower)
        return result.replacing(with: x, where: x .!= x)
    }

    /// `acc + a·b`, fused when the build has FMA (`SPECTRALCONV_FMA`), as the core's kernels do.
    @inline(__always)
    static func multiplyAdd(_ acc: Vector, _ a: Vector, _ b: Vector) -> Vector {
        #if SPECTRALCONV_FMA || arch(arm64)
        return acc.addingProduct(a, b)
        #else
        return acc + a * b
        #endif
    }
}
