/// The interchangeable ways of computing one convolution; all give the same result up to rounding.
///
/// | path | how | cost (multiply-adds) |
/// |---|---|---|
/// | ``direct`` | vectorised loops over the definition, blocked over output channels and rows | `N·O·(C/G)·Ho·Wo·kH·kW` |
/// | ``im2col`` | unfold receptive fields into a `(C/G·kH·kW) × (Ho·Wo)` matrix, one GEMM per image and group | same, at GEMM speed, plus the unfold |
/// | ``fft`` | r2c transforms of every input map and kernel, a complex matrix product per frequency bin, one c2r transform per output map | `O((N·C + O·C/G + N·O)·T log T + N·C·O/G·T)` for T frequency bins |
/// | ``auto`` | picks one of the three by ``ConvolutionCostModel`` | |
/// | ``autotune`` | times the three once per distinct layer shape and keeps the fastest (``Autotuner``) | the first call of a shape pays a few runs of each candidate |
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    case direct
    case im2col
    case fft
    case auto
    /// Measures the candidate paths the first time a layer shape is met — shape, batch, precision,
    /// threads, FFT rigor and operation (forward, input gradient, weight gradient) — and runs the
    /// fastest; the choice is cached in memory and in the per-machine cache file
    /// (``CacheDirectory/autotuneFile``), so later calls and later processes pay nothing. Like cuDNN's
    /// benchmark mode. The result is always computed by the chosen concrete path; see ``Autotuner``.
    case autotune

    /// The three concrete paths, in the order benchmarks report them.
    public static let concrete: [ConvolutionAlgorithm] = [.direct, .im2col, .fft]

    public var description: String { rawValue }

    /// Parses a name (`direct`, `im2col`, `fft`, `auto`, `autotune`).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for any other name.
    public init(parsing text: String) throws(SpectralConvError) {
        guard let value = ConvolutionAlgorithm(rawValue: text.lowercased()) else {
            throw .invalidArgument("unknown algorithm '\(text)'; expected one of direct, im2col, fft, auto, autotune")
        }
        self = value
    }
}
