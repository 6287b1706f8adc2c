import SpectralConv

/// Where convolution layers created without an engine run.
enum SharedEngine {
    /// The default engine of convolution layers created without one: all active cores.
    static let `default`: ConvolutionEngine = {
        do { return try ConvolutionEngine() } catch { preconditionFailure("ConvolutionEngine() with the core count failed: \(error)") }
    }()
}
