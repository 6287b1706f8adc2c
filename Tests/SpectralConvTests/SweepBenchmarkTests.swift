import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SpectralConv

/// `bench sweep`: a tiny real sweep and what it writes (table, CSV, JSON, SVG), budget skips, and
/// the summary's acceptance arithmetic.
@Suite struct SweepBenchmarkTests {
    static let kernels = [1, 3]
    static let sizes = [8, 12]
    static let channels = [1, 2]

    static func tinyConfiguration(budget: Double = 10, costModel: ConvolutionCostModel = .default,
                                  padding: Padding = .same, sizes: [Int] = sizes) -> SweepBenchmark.Configuration {
        SweepBenchmark.Configuration(
            kernels: kernels, sizes: sizes, channels: channels, batch: 1, threads: 1,
            algorithms: [.direct, .im2col, .fft, .auto], padding: padding, repeats: 1, budget: budget,
            costModel: costModel, costModelName: "default")
    }

    /// One tiny sweep shared by the format tests (it takes well under a second).
    static let tiny: SweepReport = {
        do { return try SweepBenchmark.run(tinyConfiguration()) } catch { fatalError("tiny sweep failed: \(error)") }
    }()

    /// Splits one CSV line into fields (RFC 4180 quotes).
    static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = line.makeIterator()
        while let c = characters.next() {
            if quoted {
                if c == "\"" {
                    quoted = false
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        fields.append(field)
        return fields
    }

    @Test func tinySweepMeasuresEveryConfigurationAndAlgorithm() throws {
        let report = Self.tiny
        let points = Self.channels.count * Self.sizes.count * Self.kernels.count
        #expect(report.rows.count == points * 4)
        #expect(report.points.count == points)
        // Sweep order: channels, then size, then kernel.
        #expect(report.points.map(\.point).first == .init(channels: 1, size: 8, kernel: 1))
        #expect(report.points.map(\.point).last == .init(channels: 2, size: 12, kernel: 3))
        for row in report.rows {
            #expect(row.status == .measured, "\(row.point) \(row.algorithm): \(row.reason ?? "")")
            #expect(row.outputSize == row.size)                 // padding same
            #expect((row.medianMs ?? 0) > 0 && (row.minMs ?? 0) > 0 && (row.minMs ?? 0) <= (row.medianMs ?? 0))
            #expect((row.repeats ?? 0) >= 1)
            #expect((row.predictedMs ?? 0) > 0)
            #expect(row.usefulFlops == 2 * Double(row.channels * row.channels * row.size * row.size * row.kernel * row.kernel))
            // auto names the path it ran; concrete rows do not.
            #expect((row.chose != nil) == (row.algorithm == "auto"))
        }
        #expect(report.summary.configurations == points && report.summary.evaluable == points)
        let auto = try #require(report.summary.autoForward)
        #expect(auto.evaluated == points)
    }

    @Test func tableHasOneLinePerConfiguration() throws {
        let report = Self.tiny
        let lines = report.table().split(separator: "\n")
        #expect(lines.count == 1 + report.points.count)
        let header = lines[0].split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        #expect(header == "C size k direct ms im2col ms fft ms auto ms winner fft speed-up")
        for (line, entry) in zip(lines.dropFirst(), report.points) {
            let cells = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(cells[0] == String(entry.point.channels) && cells[1] == "\(entry.point.size)x\(entry.point.size)"
                    && cells[2] == String(entry.point.kernel))
            let winner = try #require(SweepReport.fastest(entry.rows)).algorithm
            #expect(cells[cells.count - 2] == winner)
            #expect(cells.last!.hasSuffix("x"))
        }
        let summary = report.summaryText()
        #expect(summary.contains("\(report.points.count) configurations, \(report.points.count) with measurements"))
        #expect(summary.contains("auto forward (by choice): within 5% of the fastest on"))
        #expect(summary.contains(", within 10% on "))
        #expect(summary.contains("issue 6 acceptance"))
    }

    @Test func csvHasAHeaderAndOneRowPerConfigurationAndAlgorithm() throws {
        let report = Self.tiny
        let lines = report.csv().split(separator: "\n", omittingEmptySubsequences: false).dropLast()   // trailing newline
        #expect(lines.count == 1 + report.rows.count)
        let header = lines.first!.split(separator: ",").map(String.init)
        #expect(header == SweepReport.Row.csvHeader)
        for column in ["channels", "size", "kernel", "algorithm", "status", "median_ms", "min_ms", "gflops", "predicted_ms", "chose"] {
            #expect(header.contains(column))
        }
        for (line, row) in zip(lines.dropFirst(), report.rows) {
            let fields = Self.csvFields(line)
            #expect(fields.count == header.count)
            let value = Dictionary(uniqueKeysWithValues: zip(header, fields))
            #expect(value["algorithm"] == row.algorithm && value["status"] == "measured")
            #expect(Double(value["median_ms"]!) == row.medianMs)
            #expect(Int(value["kernel"]!) == row.kernel && Int(value["channels"]!) == row.channels)
        }
    }

    @Test func jsonDecodesToTheSameReportWithTheSameKeysOnEveryRow() throws {
        let report = Self.tiny
        let json = try report.jsonString(pretty: true)
        let decoded = try SweepReport.decode(Data(json.utf8))
        #expect(decoded == report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["config", "rows", "summary"])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == report.rows.count)
        for row in rows { #expect(Set(row.keys) == Set(SweepReport.Row.csvHeader)) }
        let config = try #require(object["config"] as? [String: Any])
        #expect(config["kernels"] as? [Int] == Self.kernels && config["padding"] as? String == "same")
        #expect(config["algorithms"] as? [String] == ["direct", "im2col", "fft", "auto"])
        // A damaged file is a clear error.
        #expect(throws: SpectralConvError.self) { try SweepReport.decode(Data("{\"rows\": 3}".utf8), path: "bad.json") }
    }

    /// Parses an SVG and records every `rect` of class `cell`, with the panel it is in.
    final class CellCollector: NSObject, XMLParserDelegate {
        var panels: [String] = []
        var cells: [(panel: String, attributes: [String: String])] = []
        var texts = 0
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if name == "g", attributes["class"] == "panel" { panels.append(attributes["data-channels"] ?? "?") }
            if name == "rect", attributes["class"] == "cell" { cells.append((panels.last ?? "", attributes)) }
            if name == "text" { texts += 1 }
        }
    }

    static func parseSVG(_ svg: String) throws -> CellCollector {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = CellCollector()
        parser.delegate = collector
        let parsed = parser.parse()
        #expect(parsed, "SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")")
        return collector
    }

    @Test func svgIsValidXMLWithOneCellPerConfigurationPerPanel() throws {
        let report = Self.tiny
        let svg = CrossoverMap(report: report).svg()
        #expect(svg.hasPrefix("<?xml") && svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let collector = try Self.parseSVG(svg)
        #expect(collector.panels == Self.channels.map(String.init))
        for channels in Self.channels {
            let cells = collector.cells.filter { $0.panel == String(channels) }
            #expect(cells.count == Self.kernels.count * Self.sizes.count)
            let marked = Set(cells.map { "\($0.attributes["data-size"]!)/\($0.attributes["data-kernel"]!)" })
            #expect(marked.count == cells.count)       // one mark per configuration
        }
        for (point, rows) in report.points {
            let cell = try #require(collector.cells.first {
                $0.attributes["data-channels"] == String(point.channels) && $0.attributes["data-size"] == String(point.size)
                    && $0.attributes["data-kernel"] == String(point.kernel)
            })
            #expect(cell.attributes["data-winner"] == SweepReport.fastest(rows)?.algorithm)
            if let ratio = SweepReport.fftRatio(rows) {
                #expect(cell.attributes["fill"] == CrossoverMap.colour(CrossoverMap.scale(ratio)))
            }
        }
        // Titles, axis labels, legend and colour bar are there.
        for phrase in ["Crossover map", "kernel size k", "input size n", "FFT faster", "spatial faster", "C = O = 2 channels"] {
            #expect(svg.contains(phrase), "missing '\(phrase)'")
        }
        // The subtitle states the samples the rows took (a close call takes more than requested).
        let taken = report.rows.compactMap(\.repeats)
        let low = try #require(taken.min()), high = try #require(taken.max())
        #expect(svg.contains("median of \(low == high ? "\(low)" : "\(low)–\(high)") samples per path"))
    }

    @Test func divergingScaleIsSymmetricAndClipped() {
        #expect(CrossoverMap.colour(0) == "#f7f7f7")
        #expect(CrossoverMap.colour(-1) == "#2166ac" && CrossoverMap.colour(-5) == "#2166ac")
        #expect(CrossoverMap.colour(1) == "#b2182b")
        #expect(CrossoverMap.scale(1) == 0 && CrossoverMap.scale(16) == 1 && CrossoverMap.scale(1.0 / 256) == -1)
        #expect(abs(CrossoverMap.scale(4) + CrossoverMap.scale(0.25)) < 1e-12)
    }

    @Test func pathsPredictedOverTheBudgetAreSkippedAndMarked() throws {
        // A model that thinks the direct path is a billion times slower: only direct is skipped.
        var slowDirect = ConvolutionCostModel.default
        slowDirect.directRate = 85e-9
        let partial = try SweepBenchmark.run(Self.tinyConfiguration(budget: 1, costModel: slowDirect))
        for row in partial.rows {
            if row.algorithm == "direct" {
                #expect(row.status == .skipped && row.medianMs == nil && row.repeats == nil)
                #expect(row.reason?.contains("over the budget of 1 s") == true)
                #expect((row.predictedMs ?? 0) > 1000)
            } else {
                #expect(row.status == .measured)
                #expect(row.chose != "direct")
            }
        }
        #expect(partial.table().contains("skipped"))
        let csvLines = partial.csv().split(separator: "\n")
        let header = csvLines[0].split(separator: ",").map(String.init)
        let statusColumn = header.firstIndex(of: "status")!, algorithmColumn = header.firstIndex(of: "algorithm")!
        for line in csvLines.dropFirst() {
            let fields = Self.csvFields(line)
            #expect(fields[statusColumn] == (fields[algorithmColumn] == "direct" ? "skipped" : "measured"))
        }
        let json = try partial.jsonString()
        #expect(json.contains("\"status\":\"skipped\""))
        // The map marks partly skipped cells with a star.
        #expect(CrossoverMap(report: partial).svg().contains("*</text>"))

        // A budget nothing fits: every row skipped, no winner, the map says so.
        let none = try SweepBenchmark.run(Self.tinyConfiguration(budget: 1e-12))
        #expect(none.rows.allSatisfy { $0.status == .skipped && $0.reason?.contains("budget") == true })
        #expect(none.summary.evaluable == 0 && none.summary.autoForward == nil)
        let collector = try Self.parseSVG(CrossoverMap(report: none).svg())
        #expect(collector.cells.count == none.points.count)
        #expect(collector.cells.allSatisfy { $0.attributes["data-winner"] == "skipped" && $0.attributes["fill"] == "url(#hatch)" })
    }

    @Test func impossibleLayersAreSkippedWithTheirReason() throws {
        // valid padding: a 3x3 kernel on a 2x2 input is impossible.
        let report = try SweepBenchmark.run(Self.tinyConfiguration(padding: .valid, sizes: [2, 4]))
        for row in report.rows {
            if row.size == 2 && row.kernel == 3 {
                #expect(row.status == .skipped && row.outputSize == nil)
                #expect(row.reason?.hasPrefix("impossible layer") == true)
            } else {
                #expect(row.status == .measured && row.outputSize == row.size - row.kernel + 1)
            }
        }
        let collector = try Self.parseSVG(CrossoverMap(report: report).svg())
        #expect(collector.cells.filter { $0.attributes["data-winner"] == "n/a" }.count == Self.channels.count)
    }

    @Test func budgetedRepeatsKeepAMeasurementNearTheBudget() {
        #expect(SweepBenchmark.budgetedRepeats(predicted: 0.001, budget: 2, requested: 5) == 5)
        #expect(SweepBenchmark.budgetedRepeats(predicted: 0.5, budget: 2, requested: 5) == 3)   // warm-up + 3 = 2 s
        #expect(SweepBenchmark.budgetedRepeats(predicted: 1.5, budget: 2, requested: 5) == 1)
        #expect(SweepBenchmark.budgetedRepeats(predicted: 0, budget: 2, requested: 5) == 5)
    }

    /// Close calls: paths within 25% take up to 4 × repeats samples, but never more than the budget
    /// allows (a path cut to 1–3 samples is not called again), and at most one budget of rounds.
    @Test func closeCallsStayWithinTheBudget() {
        let policy = SweepBenchmark.timingPolicy(repeats: 5, budget: 2)
        #expect(policy.closeCallRatio == 1.25 && policy.closeCallRounds == 20 && policy.closeCallSeconds == 2)
        let allowed = { (predicted: Double) in
            SweepBenchmark.budgetedRepeats(predicted: predicted, budget: 2, requested: SweepBenchmark.closeCallFactor * 5)
        }
        #expect(allowed(0.001) == 20 && allowed(0.1) == 19 && allowed(0.5) == 3 && allowed(1.5) == 1)
    }

    @Test func configurationErrorsNameTheValue() {
        var configuration = Self.tinyConfiguration()
        configuration.kernels = [3, 0]
        #expect(throws: SpectralConvError.invalidArgument("kernels must be at least 1, got 0")) { try SweepBenchmark.run(configuration) }
        configuration = Self.tinyConfiguration()
        configuration.budget = -1
        #expect(throws: SpectralConvError.self) { try SweepBenchmark.run(configuration) }
    }

    // MARK: - Summary arithmetic

    static func row(_ point: SweepBenchmark.Point, _ algorithm: ConvolutionAlgorithm, ms: Double?, chose: ConvolutionAlgorithm? = nil) -> SweepReport.Row {
        var row = SweepReport.Row(channels: point.channels, size: point.size, kernel: point.kernel, batch: 1, padding: "same",
                                  algorithm: algorithm, status: ms == nil ? .skipped : .measured)
        row.medianMs = ms
        row.minMs = ms
        row.chose = chose?.rawValue
        row.outputSize = point.size
        return row
    }

    @Test func summaryJudgesChoicesAgainstTheFastestMeasuredPath() throws {
        let a = SweepBenchmark.Point(channels: 1, size: 8, kernel: 1)
        let b = SweepBenchmark.Point(channels: 1, size: 8, kernel: 3)
        let c = SweepBenchmark.Point(channels: 1, size: 8, kernel: 5)
        let rows = [
            // a: auto picks the fastest.
            Self.row(a, .direct, ms: 1), Self.row(a, .im2col, ms: 2), Self.row(a, .fft, ms: 3), Self.row(a, .auto, ms: 1.2, chose: .direct),
            // b: auto picks a path 5% slower.
            Self.row(b, .direct, ms: 2.1), Self.row(b, .im2col, ms: 2), Self.row(b, .fft, ms: 9), Self.row(b, .auto, ms: 2.1, chose: .direct),
            // c: auto picks a path 2x slower; direct was skipped (predicted over the budget).
            Self.row(c, .direct, ms: nil), Self.row(c, .im2col, ms: 4), Self.row(c, .fft, ms: 2), Self.row(c, .auto, ms: 4, chose: .im2col),
        ]
        let summary = SweepSummary(rows: rows, algorithms: ["direct", "im2col", "fft", "auto"])
        #expect(summary.configurations == 3 && summary.evaluable == 3)
        let choice = try #require(summary.autoForward)
        #expect(choice.evaluated == 3 && choice.fastest == 1 && choice.within5Percent == 2 && choice.within10Percent == 2 && choice.within1_5x == 2)
        #expect(choice.worstRatio == 2 && choice.worstConfiguration == "C=1 8x8 k=5")
        #expect(abs(choice.geometricMeanRatio - pow(1 * 1.05 * 2, 1.0 / 3)) < 1e-12)
        #expect(!choice.meetsAcceptance)
        let own = try #require(summary.choices.first { $0.basis == "own_timing" })
        #expect(own.within10Percent == 1 && own.within1_5x == 2 && own.worstRatio == 2)   // 1.2, 1.05, 2
        // Same path twice: auto's own medians against its chosen path's — 1.2/1, 2.1/2.1, 4/4.
        #expect(summary.resolution == SweepSummary.Resolution(pairs: 3, over5Percent: 1, over10Percent: 1))
        #expect(SweepReport(config: .init(
            kernels: [1], sizes: [8], channels: [1], batch: 1, threads: 1, padding: "same", algorithms: ["direct", "auto"],
            repeats: 1, budgetSeconds: 1, backward: false, seed: 1, fftRigor: "estimate", costModel: "default",
            openblasEnvironment: [:], started: "", seconds: 0), rows: rows).summaryText()
            .contains("differed by more than 5% on 1/3 (33%), by more than 10% on 1/3 (33%)"))
        // A choosing algorithm 6% faster than its path counts like one 6% slower.
        #expect(SweepSummary.Resolution(ratios: [1 / 1.06, 1.06, 1.04]) == SweepSummary.Resolution(pairs: 3, over5Percent: 2, over10Percent: 0))

        // A saved report without a summary (or with an older one) decodes; the summary is recomputed.
        let config = SweepReport.Config(
            kernels: [1, 3, 5], sizes: [8], channels: [1], batch: 1, threads: 1, padding: "same", algorithms: ["direct", "im2col", "fft", "auto"],
            repeats: 1, budgetSeconds: 1, backward: false, seed: 1, fftRigor: "estimate", costModel: "default",
            openblasEnvironment: [:], started: "", seconds: 0)
        let report = SweepReport(config: config, rows: rows)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(report.jsonString().utf8)) as? [String: Any])
        object["summary"] = nil
        let decoded = try SweepReport.decode(try JSONSerialization.data(withJSONObject: object))
        #expect(decoded.summary == summary)
    }
}
