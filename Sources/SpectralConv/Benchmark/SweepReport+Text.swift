import Foundation

/// The sweep as text: the table `bench sweep` prints and the summary lines that end it.
extension SweepReport {
    /// The concrete path with the smallest measured median among `rows` (one configuration's), and its time.
    static func fastest(_ rows: [Row]) -> (algorithm: String, ms: Double)? {
        rows.filter { $0.isConcrete && $0.status == .measured && $0.medianMs != nil }
            .min { $0.medianMs! < $1.medianMs! }
            .map { ($0.algorithm, $0.medianMs!) }
    }

    /// `fft time / best spatial time` for one configuration's rows (spatial = direct, im2col), when
    /// fft and at least one spatial path were measured. Below 1 the FFT is faster.
    static func fftRatio(_ rows: [Row]) -> Double? {
        let measured = rows.filter { $0.isConcrete && $0.status == .measured }
        guard let fft = measured.first(where: { $0.algorithm == "fft" })?.medianMs,
              let spatial = measured.filter({ $0.algorithm != "fft" }).compactMap(\.medianMs).min(), fft > 0 else { return nil }
        return fft / spatial
    }

    /// One line per configuration: C, size, k, median ms per algorithm (`auto` with the path it
    /// chose; `skipped` over the budget, `-` impossible), the winner (fastest concrete path) and
    /// the FFT's speed-up over the best spatial path (`best spatial / fft`; above 1 the FFT wins).
    public func table() -> String {
        var header = ["C", "size", "k"] + config.algorithms.map { "\($0) ms" } + ["winner", "fft speed-up"]
        if config.backward { header.insert("step winner", at: header.count - 1) }
        var lines: [[String]] = [header]
        for (point, rows) in points {
            var line = [String(point.channels), "\(point.size)x\(point.size)", String(point.kernel)]
            for name in config.algorithms {
                guard let row = rows.first(where: { $0.algorithm == name }) else { line.append("-"); continue }
                switch row.status {
                case .measured:
                    let time = String(format: "%.3f", row.medianMs ?? .nan)
                    line.append(row.chose.map { "\(time) \($0)" } ?? time)
                case .skipped:
                    line.append(row.outputSize == nil ? "-" : "skipped")
                }
            }
            line.append(Self.fastest(rows)?.algorithm ?? "-")
            if config.backward { line.append(Self.stepWinner(rows) ?? "-") }
            line.append(Self.fftRatio(rows).map { String(format: "%.2fx", 1 / $0) } ?? "-")
            lines.append(line)
        }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max()! }
        return lines.map { line in
            line.indices.map { column in
                String(repeating: " ", count: widths[column] - line[column].count) + line[column]
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The concrete path with the smallest forward + input gradient + weight gradient medians.
    static func stepWinner(_ rows: [Row]) -> String? {
        rows.filter { $0.isConcrete && $0.backwardStatus == .measured }
            .compactMap { row -> (String, Double)? in
                guard let f = row.medianMs, let i = row.backwardInputMedianMs, let w = row.backwardWeightMedianMs else { return nil }
                return (row.algorithm, f + i + w)
            }
            .min { $0.1 < $1.1 }?.0
    }

    /// The closing lines: counts, wall time, the choice quality of each choosing algorithm, the
    /// prediction errors, the sweep's resolution (same path timed twice), and whether issue 6's
    /// acceptance criteria are met by `auto`'s and `autotune`'s choices.
    public func summaryText() -> String {
        var lines: [String] = []
        let s = summary
        lines.append(String(format: "%d configurations, %d with measurements; %.1f s; %d thread%@, batch %d, padding %@; cost model: %@",
                            s.configurations, s.evaluable, config.seconds, config.threads, config.threads == 1 ? "" : "s",
                            config.batch, config.padding, config.costModel))
        for choice in s.choices {
            let basis = choice.basis == "choice" ? "by choice" : "own timing"
            lines.append(SweepSummary.line(choice, label: "\(choice.algorithm) \(choice.pass) (\(basis))"))
            if choice.basis == "choice" { lines += SweepSummary.missLines(choice) }
        }
        if !s.predictionErrors.isEmpty {
            let errors = s.predictionErrors.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f", $0.key, $0.value) }
            lines.append("prediction error, rms ln(predicted/measured): " + errors.joined(separator: ", "))
        }
        if let resolution = s.resolution {
            func share(_ count: Int) -> String { String(format: "%d/%d (%.0f%%)", count, resolution.pairs, 100 * Double(count) / Double(resolution.pairs)) }
            lines.append("resolution: the same path timed twice in these rounds (a choosing algorithm against the path it ran) "
                         + "differed by more than 5% on \(share(resolution.over5Percent)), by more than 10% on \(share(resolution.over10Percent))")
        }
        if let auto = s.autoForward {
            lines.append("issue 6 acceptance (auto within 10% on >= 95%, never above 1.5x; by choice): "
                         + (auto.meetsAcceptance ? "met" : "NOT met"))
        }
        if let autotune = s.choices.first(where: { $0.algorithm == ConvolutionAlgorithm.autotune.rawValue && $0.pass == "forward" && $0.basis == "choice" }) {
            lines.append("issue 6 acceptance (autotune within 5% on all; by choice): "
                         + (autotune.within5Percent == autotune.evaluated ? "met" : "NOT met"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
