import Foundation
import SpectralConv

/// PNG figures of kernel spectra: one kernel (weights and magnitude side by side, colour bars and
/// frequency ticks) or a grid of many (a kernel + spectrum thumbnail per cell and a label summary).
public enum SpectrumRendering {
    static let ink = RGB(20, 20, 20), grey = RGB(110, 110, 110), paper = RGB(255, 255, 255)
    /// Kernels drawn individually up to this count; more go into the grid figure.
    public static let singleFigureLimit = 4
    /// The most cells a grid figure draws.
    public static let gridCellLimit = 256

    /// Writes the figure of `spectra` to `path`: side-by-side panels (stacked) for up to
    /// ``singleFigureLimit`` kernels, else the grid figure.
    public static func writePNG(_ spectra: [KernelSpectrum], decibels: Bool, to path: String) throws(SpectralConvError) {
        guard !spectra.isEmpty else { throw .invalidArgument("no kernels to draw") }
        let canvas = spectra.count <= singleFigureLimit
            ? stacked(spectra.map { figure($0, decibels: decibels) })
            : grid(spectra, decibels: decibels)
        try canvas.image.write(to: path)
    }

    /// Canvases one below the other.
    static func stacked(_ canvases: [Canvas]) -> Canvas {
        let width = canvases.map(\.width).max()!, height = canvases.map(\.height).reduce(0, +)
        var result = Canvas(width: width, height: height)
        var top = 0
        for canvas in canvases {
            for y in 0..<canvas.height {
                for x in 0..<canvas.width {
                    let offset = (y * canvas.width + x) * 3
                    result.set(x: x, y: top + y, RGB(canvas.pixels[offset], canvas.pixels[offset + 1], canvas.pixels[offset + 2]))
                }
            }
            top += canvas.height
        }
        return result
    }

    /// Display values of a spectrum and their colour range: |H| from 0, or dB from max − 60.
    static func displayValues(_ response: FrequencyResponse, decibels: Bool) -> (values: [Double], low: Double, high: Double) {
        let values = decibels ? response.magnitudeDecibels() : response.magnitude
        let high = values.max() ?? 0
        return (values, decibels ? high - 60 : 0, high)
    }

    static func number(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 1e4 || abs(value) < 1e-3 { return String(format: "%.2e", value) }
        return String(format: "%.3g", value)
    }

    // MARK: - One kernel

    /// Kernel weights (diverging map, symmetric about 0) | magnitude spectrum (viridis) | colour bar,
    /// with a title, the measures, frequency ticks at −1, −0.5, 0, 0.5 and axis names.
    public static func figure(_ spectrum: KernelSpectrum, decibels: Bool) -> Canvas {
        let s = 2, line = Canvas.textHeight(scale: s) + 8, panel = 256
        let kernel = spectrum.kernel, response = spectrum.response, m = spectrum.measures
        let left = 30, top = 20 + 3 * line + 10
        let spectrumX = left + panel + 90, barX = spectrumX + panel + 24
        var canvas = Canvas(width: barX + 20 + 110, height: top + panel + 30 + 3 * line + 20)

        let shape = kernel.reportedShape.map(String.init).joined(separator: "×")
        canvas.drawText("\(kernel.name)  \(shape)  \(m.label.rawValue)", x: left, y: 20, color: ink, scale: s)
        canvas.drawText("DC \(number(m.dcGain))  NYQUIST \(number(m.nyquistGain))  PEAK \(number(m.peak.gain)) AT (\(number(m.peak.fx)), \(number(m.peak.fy)))",
                        x: left, y: 20 + line, color: grey, scale: s)
        let orientation = m.isDirectional ? String(format: "ORIENTATION %.0f° (%.2f)", m.orientationDegrees, m.orientationStrength) : "NOT DIRECTIONAL"
        canvas.drawText(String(format: "ENERGY ABOVE R=%.2f %.1f%%  ", m.thresholds.cutoff, 100 * m.highFrequencyEnergyFraction) + orientation,
                        x: left, y: 20 + 2 * line, color: grey, scale: s)

        // Kernel panel: cells coloured by weight, symmetric scale ±max|w|.
        let (kh, kw) = (kernel.height, kernel.width)
        let cell = max(1, panel / max(kh, kw)), kernelWidth = cell * kw, kernelHeight = cell * kh
        let extent = max(kernel.weights.maxMagnitude, 1e-300)
        canvas.drawGrid(kernel.weights.scalars, rows: kh, columns: kw, x: left, y: top, width: kernelWidth, height: kernelHeight,
                        map: .coolWarm) { 0.5 + $0 / (2 * extent) }
        canvas.stroke(x: left - 1, y: top - 1, width: kernelWidth + 2, height: kernelHeight + 2, color: grey)
        if max(kh, kw) <= 7 {
            for a in 0..<kh {
                for b in 0..<kw {
                    let text = number(kernel.weights.scalars[a * kw + b])
                    let scale = Canvas.textWidth(text, scale: 2) <= cell - 6 ? 2 : 1
                    guard Canvas.textWidth(text, scale: scale) <= cell - 4 else { continue }
                    canvas.drawText(text, x: left + b * cell + (cell - Canvas.textWidth(text, scale: scale)) / 2,
                                    y: top + a * cell + (cell - Canvas.textHeight(scale: scale)) / 2, color: ink, scale: scale)
                }
            }
        }
        // Diverging colour bar under the kernel.
        let kernelBarY = top + kernelHeight + 14
        for x in 0..<panel { canvas.fill(x: left + x, y: kernelBarY, width: 1, height: 12, color: ColorMap.coolWarm.color(at: Double(x) / Double(panel - 1))) }
        canvas.drawText("-" + number(extent), x: left, y: kernelBarY + 18, color: ink, scale: s)
        canvas.drawText("0", x: left + panel / 2 - 5, y: kernelBarY + 18, color: ink, scale: s)
        canvas.drawText(number(extent), x: left + panel - Canvas.textWidth(number(extent), scale: s), y: kernelBarY + 18, color: ink, scale: s)
        canvas.drawText("WEIGHTS", x: left, y: kernelBarY + 18 + line, color: grey, scale: s)

        // Spectrum panel.
        let (values, low, high) = displayValues(response, decibels: decibels)
        let panelHeight = response.rows == 1 ? panel : max(32, min(panel, panel * response.rows / response.columns))
        if response.rows == 1 {
            drawCurve(&canvas, values: values, low: low, high: high, x: spectrumX, y: top, width: panel, height: panelHeight)
        } else {
            canvas.drawGrid(values, rows: response.rows, columns: response.columns, x: spectrumX, y: top, width: panel, height: panelHeight,
                            map: .viridis) { ($0 - low) / max(high - low, 1e-300) }
        }
        canvas.stroke(x: spectrumX - 1, y: top - 1, width: panel + 2, height: panelHeight + 2, color: grey)
        // Ticks at f = −1, −0.5, 0, 0.5 (and the right/bottom edge is just below +1).
        for f in [-1.0, -0.5, 0, 0.5] {
            let px = spectrumX + Int((f + 1) / 2 * Double(panel))
            canvas.fill(x: px, y: top + panelHeight + 1, width: 1, height: 6, color: ink)
            let text = f == 0 ? "0" : (f == -1 ? "-1" : (f == -0.5 ? "-.5" : ".5"))
            canvas.drawText(text, x: px - Canvas.textWidth(text, scale: s) / 2, y: top + panelHeight + 10, color: ink, scale: s)
            if response.rows > 1 {
                let py = top + Int((f + 1) / 2 * Double(panelHeight))
                canvas.fill(x: spectrumX - 7, y: py, width: 6, height: 1, color: ink)
                canvas.drawText(text, x: spectrumX - 10 - Canvas.textWidth(text, scale: s), y: py - 7, color: ink, scale: s)
            }
        }
        canvas.drawText("FX", x: spectrumX + panel - 24, y: top + panelHeight + 10 + line, color: grey, scale: s)
        if response.rows > 1 { canvas.drawText("FY", x: spectrumX - 32, y: top + panelHeight - 14, color: grey, scale: s) }
        let title = (decibels ? "|H| DB" : "|H|") + (response.rows == 1 ? " VS FX" : "  DC AT CENTRE")
        canvas.drawText(title, x: spectrumX, y: top + panelHeight + 10 + 2 * line, color: grey, scale: s)

        // Vertical colour bar with its range (a 1-D curve has its scale on the bar's place instead).
        if response.rows == 1 {
            canvas.drawText(number(high), x: spectrumX + panel + 8, y: top, color: ink, scale: s)
            canvas.drawText(number(low), x: spectrumX + panel + 8, y: top + panelHeight - 14, color: ink, scale: s)
            return canvas
        }
        for y in 0..<panelHeight {
            canvas.fill(x: barX, y: top + y, width: 14, height: 1, color: ColorMap.viridis.color(at: 1 - Double(y) / Double(panelHeight - 1)))
        }
        canvas.stroke(x: barX - 1, y: top - 1, width: 16, height: panelHeight + 2, color: grey)
        canvas.drawText(number(high), x: barX + 20, y: top, color: ink, scale: s)
        canvas.drawText(number((low + high) / 2), x: barX + 20, y: top + panelHeight / 2 - 7, color: ink, scale: s)
        canvas.drawText(number(low), x: barX + 20, y: top + panelHeight - 14, color: ink, scale: s)
        return canvas
    }

    /// A line plot of a 1-D magnitude on a white panel, gridlines at quarter levels.
    static func drawCurve(_ canvas: inout Canvas, values: [Double], low: Double, high: Double, x: Int, y: Int, width: Int, height: Int) {
        for level in 1..<4 { canvas.fill(x: x, y: y + level * height / 4, width: width, height: 1, color: RGB(225, 225, 225)) }
        func py(_ value: Double) -> Int { y + height - 1 - Int(min(max((value - low) / max(high - low, 1e-300), 0), 1) * Double(height - 1)) }
        var previous: Int?
        for px in 0..<width {
            let index = min(values.count - 1, px * values.count / width)
            let current = py(values[index])
            let from = min(previous ?? current, current), to = max(previous ?? current, current)
            canvas.fill(x: x + px, y: from - 1, width: 2, height: to - from + 3, color: RGB(59, 82, 139))
            previous = current
        }
    }

    // MARK: - Many kernels

    /// A grid of cells (kernel thumbnail, spectrum thumbnail, `[o,c]` and label under them), each
    /// cell scaled to its own maximum, with the label counts at the top.
    public static func grid(_ spectra: [KernelSpectrum], decibels: Bool) -> Canvas {
        let shown = Array(spectra.prefix(gridCellLimit))
        let columns = min(8, shown.count), rows = (shown.count + columns - 1) / columns
        let thumb = 64, cellWidth = 2 * thumb + 6 + 16, cellHeight = thumb + 26, margin = 20, s = 2
        let line = Canvas.textHeight(scale: s) + 8
        let counts = SpectrumReport.labelCounts(spectra)
        let headerHeight = 20 + line * (2 + counts.count) + 10
        var canvas = Canvas(width: max(2 * margin + columns * cellWidth, 560), height: headerHeight + rows * cellHeight + margin)
        let more = spectra.count > shown.count ? " (FIRST \(shown.count))" : ""
        canvas.drawText("\(spectra.count) KERNELS\(more): WEIGHTS | \(decibels ? "|H| DB" : "|H|"), EACH CELL TO ITS OWN MAX", x: margin, y: 20, color: ink, scale: s)
        canvas.drawText("LABEL        COUNT", x: margin, y: 20 + line, color: grey, scale: s)
        for (row, (label, count)) in counts.enumerated() {
            canvas.drawText(label.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0) + String(count), x: margin, y: 20 + line * (2 + row), color: ink, scale: s)
        }
        for (index, spectrum) in shown.enumerated() {
            let x = margin + (index % columns) * cellWidth, y = headerHeight + (index / columns) * cellHeight
            let kernel = spectrum.kernel
            let extent = max(kernel.weights.maxMagnitude, 1e-300)
            let cell = max(1, thumb / max(kernel.height, kernel.width))
            canvas.drawGrid(kernel.weights.scalars, rows: kernel.height, columns: kernel.width, x: x, y: y,
                            width: cell * kernel.width, height: cell * kernel.height, map: .coolWarm) { 0.5 + $0 / (2 * extent) }
            let (values, low, high) = displayValues(spectrum.response, decibels: decibels)
            if spectrum.response.rows == 1 {
                canvas.fill(x: x + thumb + 6, y: y, width: thumb, height: thumb, color: paper)
                drawCurve(&canvas, values: values, low: low, high: high, x: x + thumb + 6, y: y, width: thumb, height: thumb)
            } else {
                canvas.drawGrid(values, rows: spectrum.response.rows, columns: spectrum.response.columns, x: x + thumb + 6, y: y,
                                width: thumb, height: thumb, map: .viridis) { ($0 - low) / max(high - low, 1e-300) }
            }
            canvas.stroke(x: x + thumb + 5, y: y - 1, width: thumb + 2, height: thumb + 2, color: grey)
            let tag = kernel.index.map { "\($0[0]),\($0[1])" } ?? "\(index)"
            canvas.drawText("\(tag) \(abbreviation(spectrum.measures.label))", x: x, y: y + thumb + 6, color: ink, scale: 1)
        }
        return canvas
    }

    static func abbreviation(_ label: FilterLabel) -> String {
        switch label {
        case .lowPass: "LOW"
        case .highPass: "HIGH"
        case .bandPass: "BAND"
        case .bandStop: "STOP"
        case .allPass: "ALL"
        case .mixed: "MIXED"
        }
    }
}
