import SpectralConv
import Testing

/// The accuracy every convolution path is held to. These are the only statements of the bounds:
/// every test that compares a path with the reference uses them through this type.
///
/// The measure is the max-norm relative error of ``relativeError(_:reference:)``:
/// `max|actual − reference| / max|reference|`.
enum Tolerance {
    /// A `Float` path against the `Double` reference computed on the same (exactly converted) inputs.
    static let singleVersusDoubleReference = 1e-5
    /// A `Double` path against the `Double` reference.
    static let doubleVersusDoubleReference = 1e-12
    /// A `Float` gradient (input, weight, bias) of any path against the `Double` reference gradient.
    /// Gradient sums are longer than forward sums (dw sums over N·Ho·Wo), hence the wider bound.
    static let gradientSingleVersusDoubleReference = 2e-5
    /// A `Double` gradient of any path against the `Double` reference gradient.
    static let gradientDoubleVersusDoubleReference = 1e-11
    /// A Float64 central difference (step 1e-3; the loss Σ y·r is linear in each operand, so only
    /// rounding remains) against the analytic gradient, relative to the gradient's max norm.
    static let centralDifference = 1e-8
    /// One path in one precision, run with 1 thread and with 2: only the summation order may differ.
    static let threadInvariance = 1e-6

    /// The bound for a path computing in `S` against the `Double` reference.
    static func againstReference<S: TensorScalar>(_: S.Type) -> Double {
        switch S.precision {
        case .single: singleVersusDoubleReference
        case .double: doubleVersusDoubleReference
        }
    }
}

/// `max|actual − reference| / max|reference|`, computed in `Double`.
///
/// When the reference is all zeros the denominator would vanish; the absolute error
/// `max|actual − reference|` is returned instead (0 when `actual` is all zeros too).
/// Shapes that differ give `+∞`, and a NaN anywhere gives NaN, so either fails any `<= bound` check.
func relativeError<S: TensorScalar, R: TensorScalar>(_ actual: Tensor<S>, reference: Tensor<R>) -> Double {
    guard actual.shape == reference.shape else { return .infinity }
    let a = actual.converted(to: Double.self)
    let r = reference.converted(to: Double.self)
    let difference = a.maxAbsoluteDifference(from: r)
    let scale = r.maxMagnitude
    return scale > 0 ? difference / scale : difference
}

/// Expects `actual` to have the reference's shape and to lie within `bound` of it
/// (``relativeError(_:reference:)``); returns the error measured so callers can report it.
@discardableResult
func expectClose<S: TensorScalar, R: TensorScalar>(
    _ actual: Tensor<S>, _ reference: Tensor<R>, within bound: Double,
    _ context: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) -> Double {
    #expect(actual.shape == reference.shape, "output shape \(actual.shape) ≠ \(reference.shape): \(context())",
            sourceLocation: sourceLocation)
    let error = relativeError(actual, reference: reference)
    #expect(error <= bound, "relative error \(error) exceeds \(bound): \(context())", sourceLocation: sourceLocation)
    return error
}
