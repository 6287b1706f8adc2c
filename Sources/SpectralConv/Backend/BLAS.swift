import CBLAS
import Dispatch
import Foundation
import Synchronization

/// Row-major BLAS level-3 calls in either precision (OpenBLAS through CBLAS).
///
/// Kept internal: no C type leaves the module. Pointers are rebound to the concrete C scalar
/// type after a single switch on ``TensorScalar/precision``.
enum BLAS {
    /// Sets OpenBLAS' thread pool size (a process-wide setting; the engine sets it before each call).
    static func setThreads(_ threads: Int) {
        openblas_set_num_threads(Int32(threads))
    }

    /// Uptime (ns) at the end of the last GEMM that ran with more than one OpenBLAS thread.
    private static let lastThreadedCallEnd = Atomic<UInt64>(0)

    /// How long OpenBLAS' workers busy-wait after a multi-threaded call before they sleep (its
    /// default spin of 2^28 cycles, with margin).
    static let threadSpinSeconds = 0.2

    /// `m·n·k` below which OpenBLAS runs a GEMM on the calling thread whatever its thread setting:
    /// `SMP_THRESHOLD_MIN · GEMM_MULTITHREAD_THRESHOLD` = 65536 · 4 (its `interface/gemm.c`,
    /// default build), the same for real and complex GEMMs.
    static let singleThreadedWork = 262_144

    /// Notes the end of a GEMM of `m·n·k = work` if it ran multi-threaded (one atomic store): small
    /// GEMMs never wake OpenBLAS' workers, so nothing need wait after them.
    private static func noteCallEnd(work: Int) {
        if work >= singleThreadedWork && openblas_get_num_threads() > 1 {
            lastThreadedCallEnd.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        }
    }

    /// Sleeps until ``threadSpinSeconds`` have passed since the last multi-threaded GEMM ended, so
    /// that OpenBLAS' spinning workers do not take a core from what is timed next (on 2 cores that
    /// slowed the next computation up to 2.5×). Returns at once when there was no recent one.
    static func waitForIdleThreads() {
        let last = lastThreadedCallEnd.load(ordering: .relaxed)
        guard last > 0 else { return }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds &- last) / 1e9
        if elapsed < threadSpinSeconds { Thread.sleep(forTimeInterval: threadSpinSeconds - elapsed) }
    }

    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, all row-major, `op(X)` = X or Xᵀ.
    ///
    /// - Parameters:
    ///   - lda, ldb, ldc: row strides (leading dimensions) of A, B and C in elements.
    static func gemm<S: TensorScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: S, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
        beta: S, c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        let ta = transposeA ? CblasTrans : CblasNoTrans
        let tb = transposeB ? CblasTrans : CblasNoTrans
        switch S.precision {
        case .single:
            a.withMemoryRebound(to: Float.self, capacity: 1) { a in
                b.withMemoryRebound(to: Float.self, capacity: 1) { b in
                    c.withMemoryRebound(to: Float.self, capacity: 1) { c in
                        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha), a, Int32(lda), b, Int32(ldb), Float(beta), c, Int32(ldc))
                    }
                }
            }
        case .double:
            a.withMemoryRebound(to: Double.self, capacity: 1) { a in
                b.withMemoryRebound(to: Double.self, capacity: 1) { b in
                    c.withMemoryRebound(to: Double.self, capacity: 1) { c in
                        cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Double(alpha), a, Int32(lda), b, Int32(ldb), Double(beta), c, Int32(ldc))
                    }
                }
            }
        }
        noteCallEnd(work: m * n * k)
    }

    /// Complex `C[m×n] = op(A) · op(B) + beta · C` on interleaved (re, im) storage, row-major.
    /// `op(A)` is A; `op(B)` is B, Bᵀ or Bᴴ (conjugate transpose).
    ///
    /// - Parameters:
    ///   - a, b, c: pointers to the first real part; leading dimensions count complex elements.
    static func complexGemm<S: TensorScalar>(
        b transpose: ComplexTranspose, m: Int, n: Int, k: Int,
        a: UnsafeRawPointer, lda: Int, b: UnsafeRawPointer, ldb: Int,
        beta: S, c: UnsafeMutableRawPointer, ldc: Int
    ) {
        let tb: CBLAS_TRANSPOSE
        switch transpose {
        case .none: tb = CblasNoTrans
        case .transpose: tb = CblasTrans
        case .conjugateTranspose: tb = CblasConjTrans
        }
        switch S.precision {
        case .single:
            var alpha: (Float, Float) = (1, 0)
            var betaValue: (Float, Float) = (Float(beta), 0)
            cblas_cgemm(CblasRowMajor, CblasNoTrans, tb, Int32(m), Int32(n), Int32(k), &alpha, a, Int32(lda), b, Int32(ldb), &betaValue, c, Int32(ldc))
        case .double:
            var alpha: (Double, Double) = (1, 0)
            var betaValue: (Double, Double) = (Double(beta), 0)
            cblas_zgemm(CblasRowMajor, CblasNoTrans, tb, Int32(m), Int32(n), Int32(k), &alpha, a, Int32(lda), b, Int32(ldb), &betaValue, c, Int32(ldc))
        }
        noteCallEnd(work: m * n * k)
    }

    enum ComplexTranspose {
        case none, transpose, conjugateTranspose
    }
}
