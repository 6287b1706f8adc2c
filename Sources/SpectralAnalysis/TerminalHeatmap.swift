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

/// A terminal picture of a magnitude spectrum: a heatmap (2-D) or a bar profile (1-D).
public enum TerminalHeatmap {
    /// The plain-text ramp, darkest (smallest) first.
    static let ramp = Array(" .:-=+*#%@")

    /// The lines of a heatmap of `values` (`rows × columns`, centred, row 0 = fy = −1 at the top),
    /// block-averaged down to at most `maxSide` cells per side; each cell is two characters wide.
    /// Values are scaled so `low` → 0 and `high` → 1 (darkest to brightest).
    public static func render(values: [Double], rows: Int, columns: Int, low: Double, high: Double,
                              mode: TerminalColorMode, maxSide: Int = 32) -> [String] {
        let displayRows = Swift.min(rows, maxSide), displayColumns = Swift.min(columns, maxSide)
        var cells = [Double](repeating: 0, count: displayRows * displayColumns)
        for r in 0..<displayRows {
            let rowRange = (r * rows / displayRows)..<Swift.max((r + 1) * rows / displayRows, r * rows / displayRows + 1)
            for c in 0..<displayColumns {
                let columnRange = (c * columns / displayColumns)..<Swift.max((c + 1) * columns / displayColumns, c * columns / displayColumns + 1)
                var sum = 0.0
                for i in rowRange { for j in columnRange { sum += values[i * columns + j] } }
                let t = (sum / Double(rowRange.count * columnRange.count) - low) / Swift.max(high - low, 1e-300)
                cells[r * displayColumns + c] = Swift.min(Swift.max(t, 0), 1)
            }
        }
        var lines: [String] = []
        switch mode {
        case .plain:
            for r in 0..<displayRows {
                lines.append(String((0..<displayColumns).flatMap { c -> [Character] in
                    let symbol = ramp[Swift.min(Int(cells[r * displayColumns + c] * Double(ramp.count)), ramp.count - 1)]
                    return [symbol, symbol]
                }))
            }
        case .truecolor, .palette256:
            // Two grid rows per text line: '▀' in the upper cell's colour over the lower cell's background.
            for r in stride(from: 0, to: displayRows, by: 2) {
                var line = ""
                for c in 0..<displayColumns {
                    let upper = ColorMap.viridis.color(at: cells[r * displayColumns + c])
                    if r + 1 < displayRows {
                        let lower = ColorMap.viridis.color(at: cells[(r + 1) * displayColumns + c])
                        line += escape(upper, mode: mode, background: false) + escape(lower, mode: mode, background: true) + "▀▀"
                    } else {
                        line += escape(upper, mode: mode, background: false) + "▀▀"
                    }
                                    }
                lines.append(line + "\u{1B}[0m")
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
