import Foundation

/// The crossover map of a sweep as a hand-written SVG: kernel size (x) × input size (y), one
/// panel per channel count.
///
/// Each configuration is one cell (`<rect class="cell" data-channels data-size data-kernel
/// data-winner …>`):
/// - **fill**: the FFT's time over the best spatial path's (direct or im2col), on a diverging log
///   scale — blue where the FFT is faster, red where a spatial path is, near-white at parity,
///   clipped at 1/16 and 16 — with the colour bar beside the panels;
/// - **label**: the fastest path (`direct`, `im2col`, `fft`) and the FFT speed-up `best spatial / fft`;
///   a `*` when some path was skipped for the budget;
/// - **grey and hatched**: nothing measured (`skipped`) or an impossible layer (`n/a`), or no
///   ratio (`fft` or both spatial paths skipped: the winner alone is shown on grey);
/// - **black outline**: `auto`'s pick ran more than 10% slower than the fastest path (by choice,
///   as in ``SweepSummary``) — when `auto` was swept.
public struct CrossoverMap {
    public let report: SweepReport

    public init(report: SweepReport) {
        self.report = report
    }

    /// Ratios are clipped to `[1/16, 16]` (the colour bar's ends).
    static let ratioLimit = 16.0

    /// RdBu-like diverging colours at t = −1 … 1 (blue: FFT faster).
    static let diverging: [(Double, (Double, Double, Double))] = [
        (-1.0, (33, 102, 172)), (-0.66, (103, 169, 207)), (-0.33, (209, 229, 240)), (0.0, (247, 247, 247)),
        (0.33, (253, 219, 199)), (0.66, (239, 138, 98)), (1.0, (178, 24, 43)),
    ]

    /// The colour of `t ∈ [−1, 1]` as `#rrggbb`.
    static func colour(_ t: Double) -> String {
        let t = min(1, max(-1, t))
        var index = 0
        while index < diverging.count - 2 && t > diverging[index + 1].0 { index += 1 }
        let (t0, c0) = diverging[index], (t1, c1) = diverging[index + 1]
        let f = (t - t0) / (t1 - t0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(c0.0, c1.0), mix(c0.1, c1.1), mix(c0.2, c1.2))
    }

    /// `log(ratio) / log(16)`, clipped to [−1, 1].
    static func scale(_ ratio: Double) -> Double { min(1, max(-1, log(ratio) / log(ratioLimit))) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The document.
    public func svg() -> String {
        let config = report.config
        let kernels = config.kernels, sizes = config.sizes, channelCounts = config.channels
        let cellWidth = 54.0, cellHeight = 38.0
        let left = 80.0, top = 96.0, gap = 70.0
        let panelWidth = Double(kernels.count) * cellWidth, panelHeight = Double(sizes.count) * cellHeight
        let perRow = min(channelCounts.count, 3)
        let panelRows = (channelCounts.count + perRow - 1) / perRow
        let barX = left + Double(perRow) * panelWidth + Double(perRow - 1) * gap + 40
        let width = max(barX + 190, 1100)
        let panelBlock = panelHeight + 90
        let barHeight = max(panelHeight, 160.0)
        let legendY = max(top + Double(panelRows) * panelBlock, top + 24 + barHeight + 40)
        let height = legendY + 70

        let rowsByPoint = Dictionary(grouping: report.rows, by: \.point)
        var out: [String] = []
        func add(_ line: String) { out.append(line) }
        func text(_ x: Double, _ y: Double, _ content: String, size: Double = 12, anchor: String = "middle",
                  weight: String = "normal", fill: String = "#222", extra: String = "") {
            add(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"%@\" font-weight=\"%@\" fill=\"%@\"%@>%@</text>",
                       x, y, size, anchor, weight, fill, extra, Self.escape(content)))
        }

        add("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        add(String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">",
                   width, height, width, height))
        add("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e4e4e4\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b8b8b8\" stroke-width=\"2\"/></pattern>")
        add("<linearGradient id=\"ratio\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">")
        for step in 0...20 {
            let t = -1 + Double(step) / 10
            add(String(format: "<stop offset=\"%.3f\" stop-color=\"%@\"/>", Double(step) / 20, Self.colour(t)))
        }
        add("</linearGradient></defs>")
        add(String(format: "<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>", width, height))

        // Title and subtitle.
        text(left, 30, "Crossover map: the fastest convolution path per layer", size: 20, anchor: "start", weight: "bold")
        let threads = "\(config.threads) thread\(config.threads == 1 ? "" : "s")"
        // Samples per path as taken: fewer under the budget, more for the near-tied paths of a close call.
        let taken = report.rows.compactMap(\.repeats)
        let low = taken.min() ?? config.repeats, high = taken.max() ?? config.repeats
        let samples = low == high ? "\(low) samples" : "\(low)–\(high) samples"
        text(left, 52, "input [\(config.batch), C, n, n], weight [C, C, k, k], padding \(config.padding), stride 1, float32, \(threads); median of \(samples) per path; cost model: \(config.costModel)",
             size: 12, anchor: "start", fill: "#555")
        text(left, 70, "colour: fft time ÷ best spatial (direct, im2col) time — blue: FFT faster, red: spatial faster. label: fastest path and FFT speed-up (best spatial ÷ fft)",
             size: 12, anchor: "start", fill: "#555")

        let autoSwept = config.algorithms.contains(ConvolutionAlgorithm.auto.rawValue)
        for (panel, channels) in channelCounts.enumerated() {
            let x0 = left + Double(panel % perRow) * (panelWidth + gap)
            let y0 = top + Double(panel / perRow) * panelBlock + 24
            add("<g class=\"panel\" data-channels=\"\(channels)\">")
            text(x0 + panelWidth / 2, y0 - 10, "C = O = \(channels) channel\(channels == 1 ? "" : "s")", size: 15, weight: "bold")
            for (column, kernel) in kernels.enumerated() {
                for (rowIndex, size) in sizes.enumerated() {
                    let x = x0 + Double(column) * cellWidth
                    let y = y0 + Double(sizes.count - 1 - rowIndex) * cellHeight   // larger inputs at the top
                    let point = SweepBenchmark.Point(channels: channels, size: size, kernel: kernel)
                    let rows = rowsByPoint[point] ?? []
                    let winner = SweepReport.fastest(rows)?.algorithm
                    let ratio = SweepReport.fftRatio(rows)
                    let impossible = !rows.isEmpty && rows.allSatisfy { $0.outputSize == nil }
                    let partial = rows.contains { $0.isConcrete && $0.status == .skipped }
                    let fill = ratio.map { Self.colour(Self.scale($0)) } ?? "url(#hatch)"
                    var outline = ""
                    if autoSwept, let auto = rows.first(where: { $0.algorithm == "auto" }), let chose = auto.chose,
                       let fastest = SweepReport.fastest(rows),
                       let chosen = rows.first(where: { $0.algorithm == chose && $0.status == .measured })?.medianMs,
                       chosen / fastest.ms > SweepSummary.nearRatio {
                        outline = " data-auto-miss=\"true\""
                    }
                    add(String(format: "<rect class=\"cell\" data-channels=\"%d\" data-size=\"%d\" data-kernel=\"%d\" data-winner=\"%@\" data-fft-ratio=\"%@\"%@ x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" stroke=\"white\" stroke-width=\"1\"/>",
                               channels, size, kernel, winner ?? (impossible ? "n/a" : "skipped"), ratio.map { String(format: "%.4g", $0) } ?? "",
                               outline, x, y, cellWidth, cellHeight, fill))
                    let dark = ratio.map { abs(Self.scale($0)) > 0.55 } ?? false
                    let ink = dark ? "white" : "#111"
                    if let winner {
                        text(x + cellWidth / 2, y + 16, winner + (partial ? "*" : ""), size: 12, weight: "bold", fill: ink)
                        if let ratio {
                            text(x + cellWidth / 2, y + 30, Self.speedUp(1 / ratio), size: 11, fill: ink)
                        }
                    } else {
                        text(x + cellWidth / 2, y + 23, impossible ? "n/a" : "skipped", size: 11, fill: "#555")
                    }
                    if !outline.isEmpty {
                        add(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"black\" stroke-width=\"2.5\"/>",
                                   x + 1.5, y + 1.5, cellWidth - 3, cellHeight - 3))
                    }
                }
            }
            // Axes: ticks are the swept values.
            for (column, kernel) in kernels.enumerated() {
                text(x0 + (Double(column) + 0.5) * cellWidth, y0 + panelHeight + 16, "\(kernel)", size: 12)
            }
            for (rowIndex, size) in sizes.enumerated() {
                let y = y0 + (Double(sizes.count - 1 - rowIndex) + 0.5) * cellHeight + 4
                text(x0 - 8, y, "\(size)", size: 12, anchor: "end")
            }
            text(x0 + panelWidth / 2, y0 + panelHeight + 36, "kernel size k (k × k)", size: 13)
            let labelX = x0 - 44, labelY = y0 + panelHeight / 2
            text(labelX, labelY, "input size n (n × n)", size: 13,
                 extra: String(format: " transform=\"rotate(-90 %.1f %.1f)\"", labelX, labelY))
            add("</g>")
        }

        // Colour bar.
        let barTop = top + 24, barWidth = 18.0
        add(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"url(#ratio)\" stroke=\"#444\" stroke-width=\"0.5\"/>",
                   barX, barTop, barWidth, barHeight))
        for (label, ratio) in [("1/16", 1.0 / 16), ("1/4", 0.25), ("1", 1.0), ("4", 4.0), ("16", 16.0)] {
            let y = barTop + barHeight * (1 - (Self.scale(ratio) + 1) / 2)
            add(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>", barX + barWidth, y, barX + barWidth + 5, y))
            text(barX + barWidth + 8, y + 4, label, size: 11, anchor: "start")
        }
        text(barX, barTop - 28, "fft time ÷ spatial time", size: 12, anchor: "start", weight: "bold")
        text(barX, barTop - 10, "spatial faster", size: 11, anchor: "start", weight: "bold", fill: Self.colour(0.9))
        text(barX, barTop + barHeight + 18, "FFT faster", size: 11, anchor: "start", weight: "bold", fill: Self.colour(-0.9))

        // Legend.
        add(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"16\" fill=\"url(#hatch)\"/>", left, legendY))
        text(left + 30, legendY + 12, "skipped: every path over the \(Self.number(config.budgetSeconds)) s budget (predicted, or its warm-up call); n/a: impossible layer; grey with a name: no fft/spatial ratio", size: 12, anchor: "start")
        text(left, legendY + 36, "* some path skipped for the budget (so slower than the winner)", size: 12, anchor: "start")
        if autoSwept {
            add(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"16\" fill=\"none\" stroke=\"black\" stroke-width=\"2.5\"/>", left + 520, legendY + 24))
            text(left + 550, legendY + 36, "auto's pick more than 10% slower than the fastest", size: 12, anchor: "start")
        }
        add("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// `×4.2`, `×0.31`.
    static func speedUp(_ value: Double) -> String {
        value >= 10 ? String(format: "×%.0f", value) : (value >= 1 ? String(format: "×%.1f", value) : String(format: "×%.2f", value))
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }
}
