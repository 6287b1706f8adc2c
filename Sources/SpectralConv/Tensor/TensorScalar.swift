/// The floating-point precisions the toolkit computes in.
public enum FloatingPointPrecision: String, Sendable, CaseIterable {
    /// IEEE 754 binary32 — the working precision of every layer and benchmark.
    case single
    /// IEEE 754 binary64 — for reference computations and gradient checks.
    case double
}

/// A scalar a ``Tensor`` can hold and every convolution path can compute with: `Float` or `Double`.
///
/// The protocol is closed in practice: the FFT and BLAS back ends exist in exactly these two
/// precisions, and ``precision`` tells them which C entry points to use.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// Which back-end precision (FFTW `fftwf_`/`fftw_`, BLAS `s`/`d`) computes this scalar.
    static var precision: FloatingPointPrecision { get }
}

extension Float: TensorScalar {
    public static var precision: FloatingPointPrecision { .single }
}

extension Double: TensorScalar {
    public static var precision: FloatingPointPrecision { .double }
}
