import ArgumentParser
import Foundation
import SpectralConv

/// The FFT planning options shared by every command that convolves: rigor and a wisdom file.
struct FFTPlanningOptions: ParsableArguments {
    @Option(name: .customLong("fft-rigor"), help: "FFTW planning rigor: estimate (instant), measure or patient (time candidate algorithms once per size).")
    var rigor: String = "estimate"

    @Option(help: "FFTW wisdom file: loaded before planning if it exists, saved (atomically) afterwards.")
    var wisdom: String?

    /// The parsed rigor.
    func parsedRigor() throws(SpectralConvError) -> FFTPlanRigor { try FFTPlanRigor(parsing: rigor) }

    /// Loads the wisdom file when one is named and exists.
    func loadWisdom() throws(SpectralConvError) {
        guard let wisdom, FileManager.default.fileExists(atPath: wisdom) else { return }
        try FFTWisdom.load(from: wisdom)
    }

    /// Saves the accumulated wisdom when a file is named.
    func saveWisdom() throws(SpectralConvError) {
        guard let wisdom else { return }
        try FFTWisdom.save(to: wisdom)
    }
}
