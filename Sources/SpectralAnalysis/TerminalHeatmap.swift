import Foundation

/// How many colours the terminal shows.
public enum TerminalColorMode: String, Sendable, CaseIterable {
    /// 24-bit colour escapes (`COLORTERM=truecolor` or `24bit`).
    case truecolor
    /// The xterm 256-colour palette (`TERM` containing `256color`).
    case palette256 = "256"
    /// Plain characters, no escapes (not a terminal, `NO_COLOR`, `TERM=dumb`, or anything else).
    case plain = "none"

    /// The mode the environment supports: plain unless standard output is a terminal; then
    /// truecolor by `COLORTERM`, 256 colours by `TERM`, plain for `NO_COLOR` or `TERM=dumb`.
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment,
                              isTerminal: Bool = isatty(STDOUT_FILENO) != 0) -> TerminalColorMode {
        guard isTerminal, environment["NO_COLOR"] == nil else { return .plain }
        let term = environment["TERM"] ?? ""
        if term == "dumb" || term.isEmpty { return .plain }
        let colorTerm = (environment["COLORTERM"] ?? "").lowercased()
        if colorTerm.contains("truecolor") || colorTerm.contains("24bit") { return .truecolor }
        if term.contains("256color") { return .palette256 }
        return .plain
    }
}

/// A terminal picture of a spectrum: a heatmap (2-D) or a bar profile (1-D), of the magnitude
/// (viridis, darkest = smallest) or of the phase (cyclic ``ColorMap/twilightShifted``, arrows in plain mode).
public enum TerminalHeatmap {
    /// The plain-text ramp, darkest (smallest) first.
    static let ramp = Array(" .:-=+*#%@")
    /// Plain-text phase symbols: H as an arrow in the complex plane, sector k·π/4 for k = 0…7
    /// (→ 0, ↑ π/2, ← ±π, ↓ −π/2).
    static let arrows = Array("→↗↑↖←↙↓↘")

    /// The lines of a heatmap of `values` (`rows × columns`, centred, row 0 = fy = −1 at the top),
    /// block-averaged down to at most `maxSide` cells per side; each cell is two characters wide.
    /// Values are scaled so `low` → 0 and `high` → 1 (darkest to brightest).
    public static func render(values: [Double], rows: Int, columns: Int, low: Double, high: Double,
                              mode: TerminalColorMode, maxSide: Int = 32) -> [String] {
        let (displayRows, displayColumns) = (Swift.min(rows, maxSide), Swift.min(columns, maxSide))
        let cells = blockAverage(values, rows: rows, columns: columns, displayRows: displayRows, displayColumns: displayColumns)
            .map { Optional(Swift.min(Swift.max(($0 - low) / Swift.max(high - low, 1e-300), 0), 1)) }
        return paint(cells, rows: displayRows, columns: displayColumns, map: .viridis, mode: mode) { t in
            let symbol = ramp[Swift.min(Int(t * Double(ramp.count)), ramp.count - 1)]
            return [symbol, symbol]
        }
    }

    /// The lines of a phase heatmap of H (`real`, `imaginary`: `rows × columns`, centred, as
    /// ``FrequencyResponse``), block-averaged as complex numbers down to at most `maxSide` cells per
    /// side, coloured by ``ColorMap/twilightShifted`` at ``ColorMap/phasePosition(_:)`` (plain mode:
    /// one arrow per cell, ``arrows``). Cells whose |H| is below `relativeFloor · max |H|` are blank.
    public static func renderPhase(real: [Double], imaginary: [Double], rows: Int, columns: Int, mode: TerminalColorMode,
                                   relativeFloor: Double = FrequencyResponse.phaseFloor, maxSide: Int = 32) -> [String] {
        let (displayRows, displayColumns) = (Swift.min(rows, maxSide), Swift.min(columns, maxSide))
        let re = blockAverage(real, rows: rows, columns: columns, displayRows: displayRows, displayColumns: displayColumns)
        let im = blockAverage(imaginary, rows: rows, columns: columns, displayRows: displayRows, displayColumns: displayColumns)
        let largest = zip(real, imaginary).map { ($0 * $0 + $1 * $1).squareRoot() }.max() ?? 0
        let cells = zip(re, im).map { re, im -> Double? in
            let magnitude = (re * re + im * im).squareRoot()
            return magnitude > 0 && magnitude >= relativeFloor * largest ? ColorMap.phasePosition(atan2(im, re)) : nil
        }
        return paint(cells, rows: displayRows, columns: displayColumns, map: .twilightShifted, mode: mode) { t in
            [arrows[arrowIndex(phase: t * 2 * .pi - .pi)], " "]
        }
    }

    /// The ``arrows`` index of a phase: the nearest multiple of π/4.
    static func arrowIndex(phase: Double) -> Int {
        ((Int((phase / (.pi / 4)).rounded()) % 8) + 8) % 8
    }

    /// Block means of a `rows × columns` grid on a `displayRows × displayColumns` grid.
    static func blockAverage(_ values: [Double], rows: Int, columns: Int, displayRows: Int, displayColumns: Int) -> [Double] {
        var cells = [Double](repeating: 0, count: displayRows * displayColumns)
        for r in 0..<displayRows {
            let rowRange = (r * rows / displayRows)..<Swift.max((r + 1) * rows / displayRows, r * rows / displayRows + 1)
            for c in 0..<displayColumns {
                let columnRange = (c * columns / displayColumns)..<Swift.max((c + 1) * columns / displayColumns, c * columns / displayColumns + 1)
                var sum = 0.0
                for i in rowRange { for j in columnRange { sum += values[i * columns + j] } }
                cells[r * displayColumns + c] = sum / Double(rowRange.count * columnRange.count)
            }
        }
        return cells
    }

    /// Lines of cells (`t ∈ [0, 1]`, nil = blank): two plain characters per cell from `plain`, or
    /// in colour '▀' in the upper cell's colour over the lower cell's (two grid rows per line).
    static func paint(_ cells: [Double?], rows: Int, columns: Int, map: ColorMap, mode: TerminalColorMode,
                      plain: (Double) -> [Character]) -> [String] {
        var lines: [String] = []
        switch mode {
        case .plain:
            for r in 0..<rows {
                lines.append(String((0..<columns).flatMap { c -> [Character] in cells[r * columns + c].map(plain) ?? [" ", " "] }))
            }
        case .truecolor, .palette256:
            let reset = "\u{1B}[0m"
            for r in stride(from: 0, to: rows, by: 2) {
                var line = ""
                for c in 0..<columns {
                    let upper = cells[r * columns + c].map { map.color(at: $0) }
                    let lower = r + 1 < rows ? cells[(r + 1) * columns + c].map { map.color(at: $0) } : nil
                    switch (upper, lower) {
                    case let (upper?, lower?):
                        line += escape(upper, mode: mode, background: false) + escape(lower, mode: mode, background: true) + "▀▀"
                    case let (upper?, nil):
                        line += reset + escape(upper, mode: mode, background: false) + "▀▀"
                    case let (nil, lower?):
                        line += reset + escape(lower, mode: mode, background: false) + "▄▄"
                    case (nil, nil):
                        line += reset + "  "
                    }
                }
                lines.append(line + reset)
            }
        }
        return lines
    }

    /// The colour ramp from `low` to `high` as one line (for a legend).
    public static func legend(mode: TerminalColorMode, width: Int = 32) -> String {
        switch mode {
        case .plain:
            return "'" + String(ramp) + "'"
        case .truecolor, .palette256:
            return (0..<width).map { escape(ColorMap.viridis.color(at: Double($0) / Double(width - 1)), mode: mode, background: false) + "█" }
                .joined() + "\u{1B}[0m"
        }
    }

    /// The phase legend: the cyclic ramp from −π to π, or the arrows with their phases.
    public static func phaseLegend(mode: TerminalColorMode, width: Int = 16) -> String {
        switch mode {
        case .plain:
            return "→ 0, ↗ π/4, ↑ π/2, ↖ 3π/4, ← ±π, ↙ −3π/4, ↓ −π/2, ↘ −π/4"
        case .truecolor, .palette256:
            return "−π " + (0..<width).map {
                escape(ColorMap.twilightShifted.color(at: Double($0) / Double(width - 1)), mode: mode, background: false) + "█"
            }.joined() + "\u{1B}[0m π (0 light, −π/2 blue, +π/2 red, ±π dark)"
        }
    }

    /// A 1-D phase as one line per sampled frequency: `fx`, the phase in radians and a bar from the
    /// centre (left for negative, right for positive, full length at ±π); "undefined" where NaN.
    public static func phaseBars(phase: [Double], frequencies: [Double], mode: TerminalColorMode,
                                 width: Int = 16, maxLines: Int = 17) -> [String] {
        let step = Swift.max(1, (phase.count + maxLines - 1) / maxLines)
        let (block, rule) = mode == .plain ? ("#", "|") : ("█", "│")
        return stride(from: 0, to: phase.count, by: step).map { index in
            let value = phase[index]
            let head = String(format: "%+6.3f ", frequencies[index])
            guard !value.isNaN else { return head + String(repeating: " ", count: width) + rule + "   (|H| below −60 dB of max: undefined)" }
            let length = Int((abs(value) / .pi * Double(width)).rounded())
            let left = value < 0 ? String(repeating: " ", count: width - length) + String(repeating: block, count: length)
                                 : String(repeating: " ", count: width)
            let right = value > 0 ? String(repeating: block, count: length) + String(repeating: " ", count: width - length)
                                  : String(repeating: " ", count: width)
            return head + left + rule + right + String(format: " %+.3f (%+.2fπ)", value, value / .pi)
        }
    }

    /// A 1-D profile as horizontal bars: one line per sampled frequency, `fx` then a bar of `█`.
    public static func bars(values: [Double], frequencies: [Double], low: Double, high: Double, mode: TerminalColorMode,
                            width: Int = 40, maxLines: Int = 17) -> [String] {
        let step = Swift.max(1, (values.count + maxLines - 1) / maxLines)
        return stride(from: 0, to: values.count, by: step).map { index in
            let t = Swift.min(Swift.max((values[index] - low) / Swift.max(high - low, 1e-300), 0), 1)
            if mode == .plain { return String(format: "%+6.3f | ", frequencies[index]) + String(repeating: "#", count: Int((t * Double(width)).rounded())) }
            let eighths = Int((t * Double(width * 8)).rounded())
            let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
            return String(format: "%+6.3f │", frequencies[index]) + String(repeating: "█", count: eighths / 8) + partial
        }
    }

    private static func escape(_ color: RGB, mode: TerminalColorMode, background: Bool) -> String {
        let layer = background ? 48 : 38
        if mode == .truecolor { return "\u{1B}[\(layer);2;\(color.red);\(color.green);\(color.blue)m" }
        // The 6×6×6 colour cube of the 256-colour palette (indices 16…231).
        func level(_ value: UInt8) -> Int { Int((Double(value) / 255 * 5).rounded()) }
        return "\u{1B}[\(layer);5;\(16 + 36 * level(color.red) + 6 * level(color.green) + level(color.blue))m"
    }
}
