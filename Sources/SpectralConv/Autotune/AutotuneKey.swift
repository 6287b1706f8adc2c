/// What the autotuner measures once: one pass on one layer shape, in one precision, with one
/// thread count, FFT planning rigor and FFT layout rule. Two calls with equal keys get the same path.
///
/// ``description`` is the canonical text used as the key in the cache file, e.g.
/// `forward float32 threads=2 rigor=estimate input=[100,1,28,28] weight=[4,1,5,5] stride=1x1 dilation=1x1 pad=0,0,0,0 groups=1`
/// (1-D layers: `input=[N,C,L] weight=[O,C/G,K] stride=1x<s>` …, the 1-D geometry's height axis is 1),
/// followed by ` fft-lengths=<fingerprint>` when the engine lays out FFTs with a measured table.
public struct AutotuneKey: Sendable, Hashable, CustomStringConvertible {
    /// Forward, input gradient or weight gradient.
    public let pass: ConvolutionPass
    /// The layer: input and weight shapes (batch included), stride, padding, dilation, groups.
    public let geometry: ConvolutionGeometry
    /// Float or Double.
    public let precision: FloatingPointPrecision
    /// The engine's thread count.
    public let threads: Int
    /// The engine's FFTW planning rigor (it changes the FFT path's speed).
    public let fftRigor: FFTPlanRigor
    /// The ``FFTLengthCosts/fingerprint`` of the measured transform costs the engine's FFT
    /// layouts follow (they change the FFT path's tiles, so its speed); nil for the fixed rule.
    public let fftLengths: String?

    public init(pass: ConvolutionPass, geometry: ConvolutionGeometry, precision: FloatingPointPrecision, threads: Int, fftRigor: FFTPlanRigor,
                fftLengths: String? = nil) {
        self.pass = pass
        self.geometry = geometry
        self.precision = precision
        self.threads = threads
        self.fftRigor = fftRigor
        self.fftLengths = fftLengths
    }

    public var description: String {
        let g = geometry
        func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
        let type = precision == .single ? "float32" : "float64"
        return "\(pass) \(type) threads=\(threads) rigor=\(fftRigor.rawValue) input=\(list(g.inputShape)) weight=\(list(g.weightShape))"
            + " stride=\(g.stride.height)x\(g.stride.width) dilation=\(g.dilation.height)x\(g.dilation.width)"
            + " pad=\(g.padTop),\(g.padBottom),\(g.padLeft),\(g.padRight) groups=\(g.groups)"
            + (fftLengths.map { " fft-lengths=\($0)" } ?? "")
    }
}
