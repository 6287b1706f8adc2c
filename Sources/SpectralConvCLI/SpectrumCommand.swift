import ArgumentParser
import Foundation
import SpectralAnalysis
import SpectralConv

/// `spectralconv spectrum`: frequency responses, measures and labels of kernels (see ``KernelSpectrum``).
struct SpectrumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrum",
        abstract: "Frequency response of kernels: measures, a filter label, a heatmap, PNG or JSON.",
        discussion: """
            KERNEL is one of:
              preset   identity[:k]  box:k  gaussian:k:σ  sobel-x  sobel-y
                       scharr-x  scharr-y  prewitt-x  prewitt-y  laplacian-4
                       laplacian-8  log:k:σ  dog:k:σ1:σ2  sharpen  emboss
                       gabor:k:θ:λ:σ  (θ in degrees from +x towards +y,
                       i.e. image-down; wavelength λ ≥ 2 pixels)
                       e.g. gaussian:5:1.0  gabor:15:30:4:2
              literal  '[[1,2,1],[0,0,0],[-1,-2,-1]]' (rows)
                       '[1,2,1]/4' (a flat list is 1-D; /d divides)
              .npy     w.npy: [K] or [kH,kW] is one kernel;
                       [O,C,K] or [O,C,kH,kW] is every kernel [o,c]
              tensor   ckpt.safetensors:conv1.weight (F32/F64, as .npy)

            Response of CONVOLUTION with the kernel, its centre tap
            ((k-1)/2, rounded down) at the origin; correlation (what CNN
            layers compute) has the conjugate response: same magnitude.
            Grid: zero-padded N×M (default 64×64, like freqz2), centred,
            f = ω/π in [-1, 1), 1 = Nyquist; fx grows to the right, fy
            downwards (like image rows), DC in the middle.

            Measures: DC gain (sum of weights), Nyquist gain (mean |H| on
            the ring r = 1), peak, radial profile, energy fraction above
            r = 0.5 (Parseval), orientation (0..180°) and its strength.

            Labels, with G = the peak of the radial profile:
              all-pass   min|H| ≥ 0.9·max|H|
              low-pass   |DC| ≥ G/√2 (-3 dB) and Nyquist ≤ G/2 (-6 dB)
              high-pass  Nyquist ≥ G/√2 and |DC| ≤ G/2
              band-pass  |DC| ≤ G/2 and Nyquist ≤ G/2
              band-stop  both ≥ G/√2 with a dip ≤ G/2 between
              mixed      anything else
            Sobel, Scharr and Prewitt vanish at DC and at Nyquist and peak
            at f = 0.5: band-pass. Emboss (identity + a diagonal derivative:
            |DC| = 0.19·G, Nyquist = 0.32·G) is band-pass too.

            --phase: arg H in radians (-π, π] of the convolution response
            (correlation negates it). Cyclic colour map: 0 light, -π/2
            blue, +π/2 red, ±π dark; without colour, arrows (H in the
            complex plane: → 0, ↑ π/2, ← ±π, ↓ -π/2); 1-D kernels get
            signed bars. Blank/hatched/null where |H| < max|H| - 60 dB.
            """
    )

    @Argument(help: "Kernels: presets, literals, .npy files or FILE.safetensors:TENSOR (see above).")
    var kernels: [String]

    @Option(help: "Frequency grid N or NxM (rows x columns; 1-D kernels use M).")
    var grid: String = "64"

    @Flag(help: "Magnitudes in dB (20·log10|H|): heatmap range max−60 dB … max; --grid-values in dB.")
    var db = false

    @Flag(help: """
        Also show the phase arg H in radians (−π, π] (convolution orientation; correlation negates it): \
        a cyclic heatmap (arrows without colour) or, for 1-D kernels, signed bars; a third PNG panel \
        with its colour bar in radians; with --json --grid-values a "phase" grid. Undefined (blank, \
        hatched, null) where |H| is below −60 dB of its maximum.
        """)
    var phase = false

    @Option(help: "Write a PNG: kernel, |H| (and with --phase arg H) side by side with colour bars, or a grid of them for many kernels (written atomically).")
    var png: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "With --json, include each N×M centred magnitude grid (and with --phase the phase grid).")
    var gridValues = false

    @Option(help: "Terminal colours: auto, truecolor, 256 or none.")
    var color: String = "auto"

    func run() throws {
        let (rows, columns) = try parseGrid(grid)
        let mode: TerminalColorMode
        if color.lowercased() == "auto" { mode = .detect() } else {
            guard let chosen = TerminalColorMode(rawValue: color.lowercased()) else {
                throw SpectralConvError.invalidArgument("unknown --color '\(color)'; expected auto, truecolor, 256 or none")
            }
            mode = chosen
        }
        var spectra: [KernelSpectrum] = []
        for spec in kernels {
            for kernel in try KernelSpecification.parse(spec) {
                spectra.append(try KernelSpectrum(kernel: kernel, rows: rows, columns: columns))
            }
        }
        let thresholds = LabelThresholds()
        if let png { try SpectrumRendering.writePNG(spectra, decibels: db, phase: phase, to: png) }
        if json {
            print(try SpectrumReport(spectra, thresholds: thresholds, gridValues: gridValues, decibels: db, phase: phase).jsonString())
            return
        }
        if spectra.count <= 4 {
            for spectrum in spectra { printDetailed(spectrum, mode: mode) }
        } else {
            printTable(spectra)
        }
        let counts = SpectrumReport.labelCounts(spectra).map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
        print("\(spectra.count) kernel\(spectra.count == 1 ? "" : "s"): \(counts)")
        print("labels by: \(thresholds.summary)")
        if let png { print("wrote \(png)") }
    }

    private func parseGrid(_ text: String) throws(SpectralConvError) -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0 != nil && (2...4096).contains($0!) }) else {
            throw .invalidArgument("--grid '\(text)' must be N or NxM with sides in 2...4096 (e.g. 64 or 128x64)")
        }
        return (parts[0]!, parts.count == 2 ? parts[1]! : parts[0]!)
    }

    private func printDetailed(_ spectrum: KernelSpectrum, mode: TerminalColorMode) {
        let m = spectrum.measures, kernel = spectrum.kernel, response = spectrum.response
        let shape = kernel.reportedShape.map(String.init).joined(separator: "×")
        print("\(kernel.name)  \(shape)  →  \(m.label.rawValue)")
        print(String(format: "  DC gain %.4g, Nyquist gain %.4g, peak %.4g at (fx %+.3f, fy %+.3f)",
                     m.dcGain, m.nyquistGain, m.peak.gain, m.peak.fx, m.peak.fy))
        print(String(format: "  label: |DC| = %.2f·G, Nyquist = %.2f·G, G = %.4g, min/max |H| = %.2f",
                     m.referenceGain > 0 ? abs(m.dcGain) / m.referenceGain : 0,
                     m.referenceGain > 0 ? m.nyquistGain / m.referenceGain : 0, m.referenceGain, m.flatness))
        let orientation = kernel.isOneDimensional ? "orientation — (1-D)"
            : String(format: "orientation %.1f° strength %.2f%@", m.orientationDegrees, m.orientationStrength,
                     m.isDirectional ? " (directional)" : " (not directional)")
        print(String(format: "  energy above r = %.2f: %.1f%%; ", m.thresholds.cutoff, 100 * m.highFrequencyEnergyFraction) + orientation)
        let sparks = Array("▁▂▃▄▅▆▇█"), top = max(m.radialProfile.max() ?? 0, 1e-300)
        let sampled = stride(from: 0, to: m.radialProfile.count, by: max(1, m.radialProfile.count / 32)).map { m.radialProfile[$0] }
        let line = mode == .plain
            ? sampled.map { String(format: "%.2f", $0 / top) }.prefix(12).joined(separator: " ") + (sampled.count > 12 ? " …" : "")
            : String(sampled.map { sparks[min(Int($0 / top * Double(sparks.count)), sparks.count - 1)] })
        print("  radial profile |H|/G, r = 0 → 1: \(line)")
        let values = db ? response.magnitudeDecibels() : response.magnitude
        let high = values.max() ?? 0, low = db ? high - 60 : 0
        let scale = db ? String(format: "%.1f … %.1f dB", low, high) : String(format: "0 … %.4g", high)
        if kernel.isOneDimensional {
            let frequencies = (0..<response.columns).map { response.fx(column: $0) }
            print("  |H| by fx (\(scale)):")
            for bar in TerminalHeatmap.bars(values: values, frequencies: frequencies, low: low, high: high, mode: mode) { print("    " + bar) }
        } else {
            print("  |H|: fx → from −1 (left) to +1, fy ↓ from −1 (top) to +1, DC at the centre; \(TerminalHeatmap.legend(mode: mode, width: 16)) = \(scale)")
            for row in TerminalHeatmap.render(values: values, rows: response.rows, columns: response.columns, low: low, high: high, mode: mode) {
                print("    " + row)
            }
        }
        if phase { printPhase(response, oneDimensional: kernel.isOneDimensional, mode: mode) }
        print("")
    }

    private func printPhase(_ response: FrequencyResponse, oneDimensional: Bool, mode: TerminalColorMode) {
        let note = "radians, convolution; correlation negates it; blank where |H| < max|H| − 60 dB"
        if oneDimensional {
            let frequencies = (0..<response.columns).map { response.fx(column: $0) }
            print("  arg H by fx (\(note)):")
            for bar in TerminalHeatmap.phaseBars(phase: response.phase(), frequencies: frequencies, mode: mode) { print("    " + bar) }
        } else {
            print("  arg H (\(note)); axes as for |H|:")
            print("    " + TerminalHeatmap.phaseLegend(mode: mode))
            for row in TerminalHeatmap.renderPhase(real: response.real, imaginary: response.imaginary,
                                                   rows: response.rows, columns: response.columns, mode: mode) {
                print("    " + row)
            }
        }
    }

    private func printTable(_ spectra: [KernelSpectrum]) {
        let header = ["kernel", "shape", "label", "DC", "Nyquist", "peak", "at (fx, fy)", "HF %", "orient."]
        var rows = [header]
        for spectrum in spectra {
            let m = spectrum.measures
            rows.append([spectrum.kernel.name, spectrum.kernel.reportedShape.map(String.init).joined(separator: "×"), m.label.rawValue,
                         String(format: "%.3g", m.dcGain), String(format: "%.3g", m.nyquistGain), String(format: "%.3g", m.peak.gain),
                         String(format: "(%+.2f, %+.2f)", m.peak.fx, m.peak.fy), String(format: "%.1f", 100 * m.highFrequencyEnergyFraction),
                         m.isDirectional ? String(format: "%.0f° %.2f", m.orientationDegrees, m.orientationStrength) : "—"])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            print(row.indices.map { column in
                row[column] + String(repeating: " ", count: widths[column] - row[column].count)
            }.joined(separator: "  "))
        }
    }
}
