import ArgumentParser
import Foundation
import SpectralConv

/// `spectralconv bench fft-lengths`: what FFTW's real 2-D transforms cost per even length on this
/// machine (``FFTLengthCosts``) — the table `bench sweep --calibrate` measures and keeps.
struct BenchFFTLengthsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fft-lengths",
        abstract: "Time FFTW's r2c + c2r pair for every even fast length n: the per-length costs the FFT layout and the cost model use.",
        discussion: """
            Prints, per length, microseconds per n x n map through the batched route's plans \
            (chunks of maps) and through single-map plans (the per-map route), and the weights \
            the FFT layout gives the length as rows (h) and as columns (w) of a transform: cost per \
            counted flop (2.5 T log2 T per transform) relative to the table's median, split between \
            the axes by timing n x 32 and 32 x n maps too. A weight well above 1 marks a length FFTW \
            handles badly with this rigor; the FFT layout avoids it when a calibration carries the \
            table (bench sweep --calibrate measures it).
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
        print("FFTW \(rigor.rawValue) plans, one thread, r2c + c2r of one Float map; weights h (as rows) and w (as columns)")
        print("    n |  batched us/map   h(n)   w(n) |  per-map us/map   h(n)   w(n)")
        for n in costs.batched.square.keys.sorted() {
            var line = String(format: "%5d |", n)
            for (route, perMap) in [(costs.batched, false), (costs.perMap, true)] {
                let axes = costs.axisWeights(n, perMap: perMap)!
                line += String(format: " %15.2f %6.2f %6.2f |", route.square[n]! * 1e6, axes.height, axes.width)
            }
            let square = max(costs.weight(height: n, width: n, perMap: false)!, costs.weight(height: n, width: n, perMap: true)!)
            // Below 8 points a transform costs its call overhead, not its flops: not flagged.
            print(line.dropLast(2) + (n >= 8 && square >= 1.7 ? "   <- slow" : ""))
        }
    }
}
