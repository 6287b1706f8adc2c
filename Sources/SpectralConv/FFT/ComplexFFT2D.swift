import CFFTW

/// A small, public 2-D complex DFT in Double precision (FFTW `fftw_plan_dft_2d`, `estimate`
/// planning), for analysis code outside the core — kernel spectra, image spectra — that needs one
/// transform at a time rather than the convolution paths' batched, cached plans.
///
/// Convention (FFTW's): `forward` computes `X[u, v] = Σ_{m,n} x[m, n] · e^{−2πi(u·m/rows + v·n/columns)}`,
/// `inverse` the same sum with `e^{+2πi…}` and **no** `1/(rows·columns)` factor. Arrays are
/// row-major, `rows × columns`, split into real and imaginary parts; index `[0, 0]` is the DFT origin.
///
/// Planning and plan destruction run under the core's FFTW planner lock; each call plans anew
/// (cheap with `estimate`), so nothing is cached and the call is safe from any thread.
public enum ComplexFFT2D {
    /// The sign of the exponent: `forward` (−) or `inverse` (+, unnormalised).
    public enum Direction: Sendable {
        case forward, inverse
    }

    /// The DFT of `real + i·imaginary` (each `rows · columns` long, row-major).
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when an extent is below 1 or an array's
    ///   length is not `rows · columns`; ``SpectralConvError/backend(_:)`` when FFTW returns no plan.
    public static func transform(
        real: [Double], imaginary: [Double], rows: Int, columns: Int, direction: Direction
    ) throws(SpectralConvError) -> (real: [Double], imaginary: [Double]) {
        guard rows >= 1, columns >= 1 else { throw .invalidShape("a 2-D DFT needs rows, columns ≥ 1, got \(rows)×\(columns)") }
        let count = rows * columns
        guard real.count == count, imaginary.count == count else {
            throw .invalidShape("a \(rows)×\(columns) DFT needs \(count) values per part, got \(real.count) and \(imaginary.count)")
        }
        guard let buffer = fftw_malloc(MemoryLayout<Double>.size * 2 * count) else {
            throw .backend("fftw_malloc could not allocate \(count) complex values")
        }
        defer { fftw_free(buffer) }
        let complex = buffer.bindMemory(to: fftw_complex.self, capacity: count)
        for index in 0..<count { complex[index] = (real[index], imaginary[index]) }
        let sign = direction == .forward ? FFTW_FORWARD : FFTW_BACKWARD
        let plan = try FFTPlanner.withLock { () throws(SpectralConvError) -> fftw_plan in
            fftw_plan_with_nthreads(1)
            guard let plan = fftw_plan_dft_2d(Int32(rows), Int32(columns), complex, complex, sign, FFTW_ESTIMATE) else {
                throw .backend("FFTW could not plan a \(rows)×\(columns) complex DFT")
            }
            return plan
        }
        fftw_execute(plan)
        try FFTPlanner.withLock { () throws(SpectralConvError) in fftw_destroy_plan(plan) }
        var outReal = [Double](repeating: 0, count: count), outImaginary = [Double](repeating: 0, count: count)
        for index in 0..<count { (outReal[index], outImaginary[index]) = complex[index] }
        return (outReal, outImaginary)
    }
}
