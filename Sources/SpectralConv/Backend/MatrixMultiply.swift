/// Row-major matrix products for code outside the core (SpectralNN's `Dense`), through OpenBLAS.
///
/// Every call runs OpenBLAS on the calling thread only (its pool set to one thread): callers that
/// want several threads split the product into disjoint blocks of rows (or columns) of `C` and run
/// the blocks with ``Parallelism``. With blocks of a fixed size — not derived from the thread
/// count — every block is the same call whatever the thread count, so results do not depend on it.
/// No C type appears in this API.
public enum MatrixMultiply {
    /// `C[m×n] = op(A)·op(B) + beta·C`, row-major, `op(X)` = X or Xᵀ; `beta` 0 overwrites C
    /// (whatever it held, NaN included), 1 accumulates.
    ///
    /// - Parameters:
    ///   - a: `m×k` (or `k×m` when `transposeA`), row stride `lda`.
    ///   - b: `k×n` (or `n×k` when `transposeB`), row stride `ldb`.
    ///   - c: `m×n`, row stride `ldc`.
    /// Cost: `2·m·n·k` floating-point operations.
    public static func multiply<S: TensorScalar>(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
        beta: S = 0, c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // BLAS leaves C·beta; state it explicitly for k = 0 (an empty sum).
            for row in 0..<m {
                for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : beta * c[row * ldc + column] }
            }
            return
        }
        BLAS.setThreads(1)
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                  alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}
