import CFFTW

/// How much effort FFTW spends finding a fast algorithm when it first plans a transform size.
///
/// Plans are cached per shape (``FFTPlanCache``), so the cost is paid once per size and process —
/// or once per machine with ``FFTWisdom``.
public enum FFTPlanRigor: String, Sendable, CaseIterable, Hashable {
    /// `FFTW_ESTIMATE`: a heuristic choice, no timing, instant (the default).
    case estimate
    /// `FFTW_MEASURE`: times several algorithms (typically 10 ms – 1 s per new size).
    case measure
    /// `FFTW_PATIENT`: times many more (can take minutes for large sizes).
    case patient

    /// Parses `estimate`, `measure` or `patient`.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for any other name.
    public init(parsing text: String) throws(SpectralConvError) {
        guard let value = FFTPlanRigor(rawValue: text.lowercased()) else {
            throw .invalidArgument("unknown FFT planning rigor '\(text)'; expected estimate, measure or patient")
        }
        self = value
    }

    var flags: UInt32 {
        switch self {
        case .estimate: return UInt32(FFTW_ESTIMATE)
        case .measure: return UInt32(FFTW_MEASURE)
        case .patient: return UInt32(FFTW_PATIENT)
        }
    }
}
