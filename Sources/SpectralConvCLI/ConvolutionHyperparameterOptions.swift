import ArgumentParser
import SpectralConv

/// The hyper-parameters every convolution command takes: stride, padding, dilation, groups.
struct ConvolutionHyperparameterOptions: ParsableArguments {
    @Option(help: "Stride: S or SHxSW (1-D: S).")
    var stride: String = "1"

    @Option(help: "Padding: valid, same, full, P, PH,PW or T,B,L,R (1-D: P or L,R).")
    var padding: String = "valid"

    @Option(help: "Dilation: D or DHxDW (1-D: D).")
    var dilation: String = "1"

    @Option(help: "Channel groups (groups = C is depthwise).")
    var groups: Int = 1

    func validate() throws {
        if groups < 1 { throw ValidationError("--groups must be at least 1, got \(groups)") }
    }

    /// The parsed options for a 2-D or 1-D convolution.
    func options(oneDimensional: Bool) throws(SpectralConvError) -> ConvolutionOptions {
        try ConvolutionOptions(parsingStride: stride, padding: padding, dilation: dilation, groups: groups, oneDimensional: oneDimensional)
    }
}
