import Foundation
import SpectralConv

/// PNG figures of kernel spectra: one kernel (weights, magnitude and optionally phase side by side,
/// colour bars and frequency ticks), a grid of many (a kernel + spectrum thumbnail per cell and a
/// label summary), and a lone centred spectrum with the same ticks and colour bar (``heatmapFigure``).
public enum SpectrumRendering {
    static let ink = RGB(20, 20, 20), grey = RGB(110, 110, 110), paper = RGB(255, 255, 255)
    /// Kernels drawn individually up to this count; more go into the grid figure.
    public static let singleFigureLimit = 4
    /// The most cells a grid figure draws.
    public static let gridCellLimit = 256

    /// Writes the figure of `spectra` to `path`: side-by-side panels (stacked) for up to
    /// ``singleFigureLimit`` kernels, else the grid figure; `phase` adds the phase panel (thumbnail).
    public static func writePNG(_ spectra: [KernelSpectrum], decibels: Bool, phase: Bool = false, to path: String) throws(SpectralConvError) {
        guard !spectra.isEmpty else { throw .invalidArgument("no kernels to draw") }
        let canvas = spectra.count <= singleFigureLimit
            ? stacked(spectra.map { figure($0, decibels: decibels, phase: phase) })
            : grid(spectra, decibels: decibels, phase: phase)
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

    // MARK: - Shared panel parts

    /// Text scale and line height of every figure.
    static let textScale = 2
    static var lineHeight: Int { Canvas.textHeight(scale: textScale) + 8 }

    /// A hatch for undefined values (the phase where |H| is negligible): grey diagonals on white.
    static func hatch(_ x: Int, _ y: Int) -> RGB { (x + y) % 6 == 0 ? RGB(165, 165, 165) : RGB(248, 248, 248) }

    /// Draws a centred `rows × columns` grid of values (row-major, row 0 = fy = −1 at the top) into the
    /// rectangle, `low` → 0 and `high` → 1 of `map` (nearest-neighbour scaling; NaN hatched), with a grey frame.
    static func drawHeatmap(_ canvas: inout Canvas, values: [Double], rows: Int, columns: Int, x: Int, y: Int,
                            width: Int, height: Int, map: ColorMap, position: (Double) -> Double) {
        for py in 0..<height {
            let row = min(rows - 1, py * rows / height)
            for px in 0..<width {
                let value = values[row * columns + min(columns - 1, px * columns / width)]
                canvas.set(x: x + px, y: y + py, value.isNaN ? hatch(px, py) : map.color(at: position(value)))
            }
        }
        canvas.stroke(x: x - 1, y: y - 1, width: width + 2, height: height + 2, color: grey)
    }

    /// Normalised-frequency ticks at f = −1, −0.5, 0, 0.5 under a centred-spectrum panel (and, when
    /// `vertical`, left of it) with their labels and the axis names FX (under the right end) and FY.
    static func drawFrequencyTicks(_ canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int, vertical: Bool) {
        let s = textScale
        for f in [-1.0, -0.5, 0, 0.5] {
            let text = f == 0 ? "0" : (f == -1 ? "-1" : (f == -0.5 ? "-.5" : ".5"))
            let px = x + Int((f + 1) / 2 * Double(width))
            canvas.fill(x: px, y: y + height + 1, width: 1, height: 6, color: ink)
            canvas.drawText(text, x: px - Canvas.textWidth(text, scale: s) / 2, y: y + height + 10, color: ink, scale: s)
            if vertical {
                let py = y + Int((f + 1) / 2 * Double(height))
                canvas.fill(x: x - 7, y: py, width: 6, height: 1, color: ink)
                canvas.drawText(text, x: x - 10 - Canvas.textWidth(text, scale: s), y: py - 7, color: ink, scale: s)
            }
        }
        canvas.drawText("FX", x: x + width - Canvas.textWidth("FX", scale: s), y: y + height + 10 + lineHeight, color: grey, scale: s)
        if vertical { canvas.drawText("FY", x: x - 10 - Canvas.textWidth("FY", scale: s), y: y + height - 14, color: grey, scale: s) }
    }

    /// A vertical colour bar, `map` from 0 at the bottom to 1 at the top, with a tick (left of the
    /// bar) and a label (right of it) at each `(t, text)`; labels are kept inside the bar's height.
    static func drawColorBar(_ canvas: inout Canvas, map: ColorMap, x: Int, y: Int, height: Int, labels: [(t: Double, text: String)]) {
        for row in 0..<height {
            canvas.fill(x: x, y: y + row, width: 14, height: 1, color: map.color(at: 1 - Double(row) / Double(max(height - 1, 1))))
        }
        canvas.stroke(x: x - 1, y: y - 1, width: 16, height: height + 2, color: grey)
        for (t, text) in labels {
            let py = y + Int(((1 - t) * Double(height - 1)).rounded())
            canvas.fill(x: x - 6, y: py, width: 5, height: 1, color: ink)  // on the left: a tick beside a label reads as a minus
            let textY = min(max(py - Canvas.textHeight(scale: textScale) / 2, y), y + height - Canvas.textHeight(scale: textScale))
            canvas.drawText(text, x: x + 22, y: textY, color: ink, scale: textScale)
        }
    }

    /// Labels of a colour bar from `low` to `high`: the ends and the middle.
    static func rangeLabels(low: Double, high: Double) -> [(t: Double, text: String)] {
        [(1, number(high)), (0.5, number((low + high) / 2)), (0, number(low))]
    }

    /// Labels of the phase colour bar, in radians.
    static let phaseLabels: [(t: Double, text: String)] = [(1, "π"), (0.75, "π/2"), (0.5, "0"), (0.25, "-π/2"), (0, "-π")]

    /// A centred 2-D spectrum on its own (the `filter --spectra` figures): `title` above, the
    /// heatmap of `values` (`rows × columns`, DC at `[rows/2, columns/2]`) from `low` to `high` in
    /// `map`, the same frequency ticks and colour bar as ``figure(_:decibels:phase:)``, and `caption`
    /// lines under the axis names. The panel is square — both axes span f ∈ [−1, 1), so isotropic
    /// filters look round on any grid — with the grid's longer side, clamped to 256…512 pixels.
    public static func heatmapFigure(_ values: [Double], rows: Int, columns: Int, low: Double, high: Double,
                                     map: ColorMap = .viridis, title: String, caption: [String] = []) -> Canvas {
        let s = textScale, line = lineHeight
        let side = min(512, max(256, rows, columns)), width = side, height = side
        let left = 70, top = 20 + line + 10, barX = left + width + 24
        let labels = rangeLabels(low: low, high: high)
        let textWidths = [Canvas.textWidth(title, scale: s)] + caption.map { Canvas.textWidth($0, scale: s) }
        // The label column is as wide as the widest number() so figures of one size line up.
        let labelWidth = max(Canvas.textWidth("-0.000e+00", scale: s), labels.map { Canvas.textWidth($0.text, scale: s) }.max() ?? 0)
        let canvasWidth = max(barX + 22 + labelWidth + 20, left + (textWidths.max() ?? 0) + 20)
        var canvas = Canvas(width: canvasWidth, height: top + height + 10 + (2 + caption.count) * line + 10)
        canvas.drawText(title, x: left, y: 20, color: ink, scale: s)
        drawHeatmap(&canvas, values: values, rows: rows, columns: columns, x: left, y: top, width: width, height: height,
                    map: map) { ($0 - low) / max(high - low, 1e-300) }
        drawFrequencyTicks(&canvas, x: left, y: top, width: width, height: height, vertical: true)
        drawColorBar(&canvas, map: map, x: barX, y: top, height: height, labels: labels)
        for (index, text) in caption.enumerated() {
            canvas.drawText(text, x: left, y: top + height + 10 + (2 + index) * line, color: grey, scale: s)
        }
        return canvas
    }

    // MARK: - One kernel

    /// Kernel weights (diverging map, symmetric about 0) | magnitude spectrum (viridis) | colour bar,
    /// and with `phase` | phase spectrum (cyclic twilight, radians, hatched where |H| is below
    /// ``FrequencyResponse/phaseFloor`` of its maximum) | colour bar; a title, the measures,
    /// frequency ticks at −1, −0.5, 0, 0.5 and axis names. A 1-D kernel gets curves instead of heatmaps.
    public static func figure(_ spectrum: KernelSpectrum, decibels: Bool, phase: Bool = false) -> Canvas {
        let s = textScale, line = lineHeight, panel = 256
        let kernel = spectrum.kernel, response = spectrum.response, m = spectrum.measures
        let left = 30, top = 20 + 3 * line + 10
        let spectrumX = left + panel + 90, barX = spectrumX + panel + 24
        let phaseX = barX + 20 + 110 + 70, phaseBarX = phaseX + panel + 24
        let width = phase ? phaseBarX + 22 + Canvas.textWidth("-π/2", scale: s) + 30 : barX + 20 + 110
        var canvas = Canvas(width: width, height: top + panel + 30 + 3 * line + 20)

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
        // Weights written in the cells when every one fits (one scale for all): a few labelled cells
        // among unlabelled ones would read as if the others were special.
        let weightTexts = kernel.weights.scalars.map(number)
        let widest = weightTexts.map { Canvas.textWidth($0, scale: 1) }.max() ?? 0
        if max(kh, kw) <= 7, widest <= cell - 4 {
            let scale = 2 * widest <= cell - 6 ? 2 : 1
            for a in 0..<kh {
                for b in 0..<kw {
                    let text = weightTexts[a * kw + b]
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

        // Magnitude panel: heatmap with a colour bar, or (1-D) a curve with its range at the right.
        let (values, low, high) = displayValues(response, decibels: decibels)
        let twoDimensional = response.rows > 1
        let panelHeight = panel  // square for 2-D: fx and fy both span [−1, 1), whatever the grid
        let captionY = top + panelHeight + 10 + 2 * line
        if twoDimensional {
            drawHeatmap(&canvas, values: values, rows: response.rows, columns: response.columns, x: spectrumX, y: top,
                        width: panel, height: panelHeight, map: .viridis) { ($0 - low) / max(high - low, 1e-300) }
            drawColorBar(&canvas, map: .viridis, x: barX, y: top, height: panelHeight, labels: rangeLabels(low: low, high: high))
        } else {
            drawCurve(&canvas, values: values, low: low, high: high, x: spectrumX, y: top, width: panel, height: panelHeight)
            canvas.stroke(x: spectrumX - 1, y: top - 1, width: panel + 2, height: panelHeight + 2, color: grey)
            canvas.drawText(number(high), x: spectrumX + panel + 8, y: top, color: ink, scale: s)
            canvas.drawText(number(low), x: spectrumX + panel + 8, y: top + panelHeight - 14, color: ink, scale: s)
        }
        drawFrequencyTicks(&canvas, x: spectrumX, y: top, width: panel, height: panelHeight, vertical: twoDimensional)
        canvas.drawText((decibels ? "|H| DB" : "|H|") + (twoDimensional ? "  DC AT CENTRE" : " VS FX"), x: spectrumX, y: captionY, color: grey, scale: s)

        // Phase panel: arg H in radians (convolution orientation), undefined where |H| is negligible.
        guard phase else { return canvas }
        let phases = response.phase()
        if twoDimensional {
            drawHeatmap(&canvas, values: phases, rows: response.rows, columns: response.columns, x: phaseX, y: top,
                        width: panel, height: panelHeight, map: .twilightShifted, position: ColorMap.phasePosition)
            drawColorBar(&canvas, map: .twilightShifted, x: phaseBarX, y: top, height: panelHeight, labels: phaseLabels)
        } else {
            drawCurve(&canvas, values: phases, low: -.pi, high: .pi, x: phaseX, y: top, width: panel, height: panelHeight, cyclic: true)
            canvas.stroke(x: phaseX - 1, y: top - 1, width: panel + 2, height: panelHeight + 2, color: grey)
            for (t, text) in phaseLabels {
                let py = top + Int(((1 - t) * Double(panelHeight - 1)).rounded())
                canvas.drawText(text, x: phaseX + panel + 8, y: min(max(py - 7, top), top + panelHeight - 14), color: ink, scale: s)
            }
        }
        drawFrequencyTicks(&canvas, x: phaseX, y: top, width: panel, height: panelHeight, vertical: twoDimensional)
        canvas.drawText(twoDimensional ? "ARG H (RAD), CONVOLUTION" : "ARG H VS FX (RAD), CONV.", x: phaseX, y: captionY, color: grey, scale: s)
        canvas.drawText(twoDimensional ? "HATCHED: |H| BELOW -60 DB" : "GAPS: |H| BELOW -60 DB", x: phaseX, y: captionY + line, color: grey, scale: s)
        return canvas
    }

    /// A line plot of a 1-D spectrum on a white panel, gridlines at quarter levels. NaN values leave
    /// gaps; with `cyclic` (a phase) a jump of more than half the range is a wrap, not drawn as a line.
    static func drawCurve(_ canvas: inout Canvas, values: [Double], low: Double, high: Double, x: Int, y: Int, width: Int, height: Int,
                          cyclic: Bool = false) {
        for level in 1..<4 { canvas.fill(x: x, y: y + level * height / 4, width: width, height: 1, color: RGB(225, 225, 225)) }
        func py(_ value: Double) -> Int { y + height - 1 - Int(min(max((value - low) / max(high - low, 1e-300), 0), 1) * Double(height - 1)) }
        var previous: (value: Double, y: Int)?
        for px in 0..<width {
            let value = values[min(values.count - 1, px * values.count / width)]
            guard !value.isNaN else {
                previous = nil
                continue
            }
            let current = py(value)
            let joined = previous.map { !cyclic || abs($0.value - value) <= (high - low) / 2 } ?? false
            let from = joined ? min(previous!.y, current) : current, to = joined ? max(previous!.y, current) : current
            canvas.fill(x: x + px, y: from - 1, width: 2, height: to - from + 3, color: RGB(59, 82, 139))
            previous = (value, current)
        }
    }

    // MARK: - Many kernels

    /// A grid of cells (kernel thumbnail, spectrum thumbnail, with `phase` a phase thumbnail, `[o,c]`
    /// and label under them), each cell scaled to its own maximum, with the label counts at the top.
    public static func grid(_ spectra: [KernelSpectrum], decibels: Bool, phase: Bool = false) -> Canvas {
        let shown = Array(spectra.prefix(gridCellLimit))
        let columns = min(phase ? 6 : 8, shown.count), rows = (shown.count + columns - 1) / columns
        let thumb = 64, cellWidth = (phase ? 3 : 2) * thumb + (phase ? 12 : 6) + 16, cellHeight = thumb + 26, margin = 20, s = 2
        let line = Canvas.textHeight(scale: s) + 8
        let counts = SpectrumReport.labelCounts(spectra)
        let headerHeight = 20 + line * (2 + counts.count) + 10
        var canvas = Canvas(width: max(2 * margin + columns * cellWidth, 560), height: headerHeight + rows * cellHeight + margin)
        let more = spectra.count > shown.count ? " (FIRST \(shown.count))" : ""
        let panels = "WEIGHTS | \(decibels ? "|H| DB" : "|H|")" + (phase ? " | ARG H (-π..π)" : "")
        canvas.drawText("\(spectra.count) KERNELS\(more): \(panels), EACH CELL TO ITS OWN MAX", x: margin, y: 20, color: ink, scale: s)
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
            if phase {
                let phaseX = x + 2 * (thumb + 6), phases = spectrum.response.phase()
                if spectrum.response.rows == 1 {
                    canvas.fill(x: phaseX, y: y, width: thumb, height: thumb, color: paper)
                    drawCurve(&canvas, values: phases, low: -.pi, high: .pi, x: phaseX, y: y, width: thumb, height: thumb, cyclic: true)
                    canvas.stroke(x: phaseX - 1, y: y - 1, width: thumb + 2, height: thumb + 2, color: grey)
                } else {
                    drawHeatmap(&canvas, values: phases, rows: spectrum.response.rows, columns: spectrum.response.columns, x: phaseX, y: y,
                                width: thumb, height: thumb, map: .twilightShifted, position: ColorMap.phasePosition)
                }
            }
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
