import Foundation

/// The machine's attainable matrix-product speed: OpenBLAS `sgemm` on square `n × n × n` Float
/// matrices, measured in the calling process with the given thread count.
///
/// GFLOP/s count `2·n³` operations per product. Convolution benchmarks report it beside their own
/// GFLOP/s so a result can be read as a fraction of what the BLAS reaches on this machine, under
/// the same load and the same OpenBLAS kernel choice (see ``openBLASEnvironment``).
public enum GEMMReference {
    /// The result of one reference measurement.
    public struct Measurement: Codable, Sendable, Hashable {
        /// Matrix extent n (the product is n×n times n×n).
        public let size: Int
        /// OpenBLAS threads used.
        public let threads: Int
        /// Timings of the products, ms.
        public let timing: TimingSummary
        /// GFLOP/s at the median time: `2·n³ / median`.
        public var medianGflops: Double { TimingSummary.gflops(2 * pow(Double(size), 3), milliseconds: timing.median) }
        /// GFLOP/s at the fastest time.
        public var bestGflops: Double { TimingSummary.gflops(2 * pow(Double(size), 3), milliseconds: timing.min) }

        public init(size: Int, threads: Int, timing: TimingSummary) {
            self.size = size
            self.threads = threads
            self.timing = timing
        }
    }

    /// Times `repeats` products `C = A·B` of `size × size` Float matrices with uniform random entries,
    /// after one untimed warm-up product, with OpenBLAS set to `threads` threads.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when a count is below 1.
    public static func measureSgemm(size: Int = 1024, threads: Int, repeats: Int = 5) throws(SpectralConvError) -> Measurement {
        guard size >= 1 else { throw .invalidArgument("GEMM reference size must be at least 1, got \(size)") }
        guard threads >= 1 else { throw .invalidArgument("threads must be at least 1, got \(threads)") }
        guard repeats >= 1 else { throw .invalidArgument("repeats must be at least 1, got \(repeats)") }
        let a = Tensor<Float>.uniform(shape: [size, size], seed: 0x5EED_A)
        let b = Tensor<Float>.uniform(shape: [size, size], seed: 0x5EED_B)
        var c = Tensor<Float>(shape: [size, size])
        BLAS.setThreads(threads)
        let timing = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let (a, b, c) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    let product = {
                        BLAS.gemm(transposeA: false, transposeB: false, m: size, n: size, k: size,
                                  alpha: Float(1), a: a, lda: size, b: b, ldb: size, beta: 0, c: c, ldc: size)
                    }
                    product()
                    return TimingSummary.measure(repeats: repeats, product)
                }
            }
        }
        return Measurement(size: size, threads: threads, timing: timing)
    }

    /// The OpenBLAS variables that steer its kernel choice, as set in this process's environment
    /// (`OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE`, `OPENBLAS_NUM_THREADS`, `OMP_NUM_THREADS`); unset
    /// ones are absent. Reported only: the toolkit never sets or changes them.
    public static var openBLASEnvironment: [String: String] {
        let environment = ProcessInfo.processInfo.environment
        var result: [String: String] = [:]
        for name in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"] {
            if let value = environment[name] { result[name] = value }
        }
        return result
    }
}
