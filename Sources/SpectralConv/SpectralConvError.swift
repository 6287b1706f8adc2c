/// Everything that can go wrong because of data a user supplied: shapes, hyper-parameters, files.
///
/// Each case carries a message that says what was wrong and what was expected; `description`
/// is a single line suitable for a command-line error.
public enum SpectralConvError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tensor shape does not fit the operation (wrong rank, mismatched channels, non-positive extent).
    case invalidShape(String)
    /// A hyper-parameter is out of range (stride 0, negative padding, groups not dividing channels).
    case invalidArgument(String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A file was read but its contents are not what the format requires.
    case invalidFormat(path: String, reason: String)
    /// A back-end library (FFTW, BLAS) refused the request.
    case backend(String)

    public var description: String {
        switch self {
        case .invalidShape(let message): return "invalid shape: \(message)"
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .invalidFormat(let path, let reason): return "\(path): \(reason)"
        case .backend(let message): return "back end: \(message)"
        }
    }
}
