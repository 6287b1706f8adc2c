import ArgumentParser
import SpectralConv

@main
struct SpectralConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectralconv",
        abstract: "Frequency-domain convolution research toolkit.",
        subcommands: []
    )
}
