import ArgumentParser
import Foundation
import SpectralConv

@main
struct SpectralConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectralconv",
        abstract: "Frequency-domain convolution research toolkit.",
        subcommands: [ConvCommand.self, BenchCommand.self, SpectrumCommand.self, FilterCommand.self, SummaryCommand.self, NPYCommand.self,
                      TrainCommand.self, EvaluateCommand.self]
    )

    /// Runs the command line; every failure ends as one `error: …` line on stderr and a non-zero
    /// exit status (help and version requests print as usual and exit 0).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as SpectralConvError {
            StandardError.fail(error.description)
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            StandardError.fail(message(for: error), code: code.rawValue)
        }
    }
}
