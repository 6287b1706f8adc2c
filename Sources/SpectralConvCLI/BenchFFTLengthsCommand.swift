import ArgumentParser
import Foundation
import SpectralConv

/// `spectralconv bench fft-lengths`: what FFTW's real 2-D transforms cost per even length on this
/// machine (``FFTLengthCosts``) — the table `bench sweep --calibrate` measures and keeps.
struct BenchFFTLengthsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fft-lengths",
        abstract: "Time FFTW's n x n r2c + c2r pair for every even fast length n: the per-length costs the FFT layout and the cost model use.",
        discussion: """
            Prints, per length, microseconds per map through the batched route's plans (chunks of \
            maps) and through single-map plans (the per-map route), each with its weight: the cost \
            per counted flop (2.5 T log2 T per transform) relative to the table's median, per axis. \
            A weight well above 1 is a length FFTW handles badly with this rigor; the FFT layout \
            avoids it when a calibration carries the table (bench sweep --calibrate measures it).
            """
    )

    @Option(help: "Longest length to time.")
    var maxLength: Int = 256

    @OptionGroup var fft: FFTPlanningOptions

    func validate() throws {
        if maxLength < 2 { throw ValidationError("--max-length must be at least 2, got \(maxLength)") }
    }

    func run() throws {
        try fft.loadWisdom()
        let rigor = try fft.parsedRigor()
        let costs = try FFTLengthCosts.measure(maximumLength: maxLength, rigor: rigor)
        try fft.saveWisdom()
        print("FFTW \(rigor.rawValue) plans, one thread, r2c + c2r of one n x n Float map")
        print("    n   batched us/map  weight   per-map us/map  weight")
        for n in costs.batchedSeconds.keys.sorted() {
            let batched = costs.batchedSeconds[n]!, perMap = costs.perMapSeconds[n]!
            let flag = max(costs.weight(n, perMap: false)!, costs.weight(n, perMap: true)!) >= 1.3 ? "  <- slow" : ""
            print(String(format: "%5d %16.2f %7.2f %16.2f %7.2f%@", n, batched * 1e6, costs.weight(n, perMap: false)!,
                         perMap * 1e6, costs.weight(n, perMap: true)!, flag))
        }
    }
}
