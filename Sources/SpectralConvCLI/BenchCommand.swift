import ArgumentParser

/// `spectralconv bench`: the benchmark commands.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the convolution paths.",
        subcommands: [BenchLayerCommand.self, BenchSweepCommand.self, BenchExplainCommand.self, BenchFFTLengthsCommand.self]
    )
}
