import ArgumentParser
import SpectralConv
import SpectralNN

/// `spectralconv summary`: the Keras-style summary of a built-in model — the size calculator.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a built-in model's layers, output shapes, parameter counts, receptive fields and FLOPs.")

    @Option(help: "Model name (\(ModelRegistry.names.joined(separator: ", "))).")
    var model: String = "seed"

    @Option(help: "Per-sample input shape, extents joined by x (e.g. 1x28x28; default: the model's).")
    var input: String?

    func run() throws {
        let shape = try input.map { text throws(SpectralConvError) in try Self.parseShape(text) }
        let network: Sequential<Float> = try ModelRegistry.build(model, inputShape: shape)
        print(network.summary(name: model).text)
    }

    static func parseShape(_ text: String) throws(SpectralConvError) -> [Int] {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        var extents: [Int] = []
        for part in parts {
            guard let value = Int(part), value >= 1, value <= 1 << 24 else {
                throw .invalidArgument("input shape '\(text)' is not positive integers joined by x (e.g. 1x28x28)")
            }
            extents.append(value)
        }
        return extents
    }
}
