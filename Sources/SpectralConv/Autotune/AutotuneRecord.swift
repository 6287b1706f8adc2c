/// What the autotuner learnt about one ``AutotuneKey``: the path it chose and why.
public struct AutotuneRecord: Codable, Sendable, Hashable {
    /// The chosen concrete path (`direct`, `im2col` or `fft`).
    public var choice: String
    /// Measured seconds per call of each timed candidate (the median of the timed calls, or the
    /// first timed call of a candidate abandoned as clearly slower).
    public var seconds: [String: Double]
    /// Candidates not timed: predicted by the cost model to be more than
    /// ``Autotuner/pruningFactor`` times slower than the best prediction, or failed to run.
    public var skipped: [String]

    public init(choice: ConvolutionAlgorithm, seconds: [ConvolutionAlgorithm: Double], skipped: [ConvolutionAlgorithm]) {
        self.choice = choice.rawValue
        self.seconds = Dictionary(uniqueKeysWithValues: seconds.map { ($0.key.rawValue, $0.value) })
        self.skipped = skipped.map(\.rawValue)
    }

    /// ``choice`` as an algorithm; nil when it is not a concrete path (a damaged file).
    public var algorithm: ConvolutionAlgorithm? {
        ConvolutionAlgorithm(rawValue: choice).flatMap { ConvolutionAlgorithm.concrete.contains($0) ? $0 : nil }
    }
}
