import Foundation
import Testing
@testable import SpectralConv

@Suite struct LayerBenchmarkTests {
    static func result(_ algorithm: ConvolutionAlgorithm, chose: ConvolutionAlgorithm? = nil, median: Double) -> LayerBenchmarkReport.Result {
        .init(algorithm: algorithm, chose: chose, timing: TimingSummary(samples: [median, median + 1, median - 0.5]),
              gflops: 1e3 / median, maxAbsDiffVsDirect: 1e-6)
    }

    static func report(_ results: [LayerBenchmarkReport.Result]) throws -> LayerBenchmarkReport {
        let configuration = LayerBenchmark.Configuration(
            batch: 2, inChannels: 4, outChannels: 8, size: SpatialPair(height: 10, width: 12), kernel: 3,
            options: .init(stride: .init(height: 2, width: 1), padding: .same), threads: 2, repeats: 3)
        return LayerBenchmarkReport(
            config: .init(configuration, geometry: try configuration.geometry(), baseline: .direct),
            results: results, winner: LayerBenchmarkReport.winner(of: results), sgemmReferenceGflops: 150)
    }

    @Test func timingSummaryStatistics() {
        let odd = TimingSummary(samples: [3, 1, 2])
        #expect(odd.min == 1 && odd.median == 2)
        let even = TimingSummary(samples: [4, 1, 3, 2])
        #expect(even.median == 2.5)
        #expect(TimingSummary.gflops(2e9, milliseconds: 1000) == 2)
        #expect(TimingSummary.milliseconds(.seconds(1) + .microseconds(500)) == 1000.5)
    }

    @Test func winnerIsTheFastestConcretePath() throws {
        let results = [Self.result(.direct, median: 5), Self.result(.im2col, median: 2), Self.result(.fft, median: 3),
                       Self.result(.auto, chose: .fft, median: 1.5)]
        // auto ran fastest but stands for the path it chose.
        #expect(LayerBenchmarkReport.winner(of: results) == "fft")
        #expect(LayerBenchmarkReport.winner(of: Array(results.prefix(3))) == "im2col")
        // A tie goes to the concrete entry.
        #expect(LayerBenchmarkReport.winner(of: [Self.result(.auto, chose: .fft, median: 2), Self.result(.im2col, median: 2)]) == "im2col")
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let report = try Self.report([Self.result(.im2col, median: 2), Self.result(.auto, chose: .im2col, median: 2.5)])
        let json = try report.jsonString()
        #expect(!json.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["config", "results", "winner", "sgemm_reference_gflops"])
        #expect(object["winner"] as? String == "im2col")
        #expect(object["sgemm_reference_gflops"] as? Double == 150)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(Set(results[0].keys) == ["algorithm", "median_ms", "min_ms", "gflops", "max_abs_diff_vs_direct"])
        #expect(Set(results[1].keys) == ["algorithm", "chose", "median_ms", "min_ms", "gflops", "max_abs_diff_vs_direct"])
        #expect(results[1]["chose"] as? String == "im2col")
        #expect(results[0]["median_ms"] as? Double == 2 && results[0]["min_ms"] as? Double == 1.5)
        let config = try #require(object["config"] as? [String: Any])
        #expect(config["in_channels"] as? Int == 4 && config["out_channels"] as? Int == 8)
        #expect(config["stride"] as? [Int] == [2, 1])
        #expect(config["padding"] as? String == "same")
        #expect(config["padding_resolved"] as? [Int] == [0, 1, 1, 1])
        #expect(config["output_height"] as? Int == 5 && config["output_width"] as? Int == 12)
        #expect(config["diff_baseline"] as? String == "direct")
        #expect(config["threads"] as? Int == 2)
        #expect(config["sgemm_reference_size"] as? Int == 1024)
        // And it decodes back to the same report.
        #expect(try JSONDecoder().decode(LayerBenchmarkReport.self, from: Data(json.utf8)) == report)
    }

    @Test func nonFiniteDifferencesStillEncode() throws {
        var result = Self.result(.im2col, median: 1)
        result.maxAbsDiffVsDirect = .nan
        #expect(try Self.report([result]).jsonString().contains("\"max_abs_diff_vs_direct\":\"nan\""))
    }

    /// A real run on a tiny layer (im2col and auto only, so it does not depend on the other paths):
    /// the Double reference is the baseline, differences are at Float rounding level.
    @Test func runsATinyLayer() throws {
        let configuration = LayerBenchmark.Configuration(
            batch: 2, inChannels: 3, outChannels: 4, size: 9, kernel: 3, options: .init(padding: .same),
            algorithms: [.im2col, .auto], threads: 1, repeats: 2, sgemmReferenceSize: 64)
        let report = try LayerBenchmark.run(configuration)
        #expect(report.config.diffBaseline == .referenceFloat64)
        #expect(report.results.map(\.algorithm) == ["im2col", "auto"])
        #expect(report.results[0].chose == nil)
        #expect(report.results[1].chose == (try ConvolutionEngine(threads: 1)).resolve(.auto, for: try configuration.geometry()).rawValue)
        for result in report.results {
            #expect(result.maxAbsDiffVsDirect < 1e-5)
            #expect(result.minMs <= result.medianMs && result.gflops > 0)
        }
        #expect(report.sgemmReferenceGflops > 0)
        #expect(!report.winner.isEmpty)
    }

    /// `--backward`: every result gets gradient times and differences, auto names its gradient paths,
    /// and the JSON carries the extra keys.
    @Test func backwardTimesTheGradients() throws {
        let configuration = LayerBenchmark.Configuration(
            batch: 2, inChannels: 3, outChannels: 4, size: 9, kernel: 3, options: .init(stride: 2, padding: .same),
            algorithms: [.direct, .im2col, .fft, .auto], threads: 1, repeats: 2, sgemmReferenceSize: 64, backward: true)
        let report = try LayerBenchmark.run(configuration)
        #expect(report.config.backward)
        for result in report.results {
            let step = try #require(result.stepMedianMs)
            #expect(try #require(result.backwardInputMinMs) <= (try #require(result.backwardInputMedianMs)))
            #expect(try #require(result.backwardWeightMinMs) <= (try #require(result.backwardWeightMedianMs)))
            #expect(step >= result.medianMs)
            #expect(try #require(result.backwardInputMaxAbsDiff) < 1e-5)
            #expect(try #require(result.backwardWeightMaxAbsDiff) < 1e-4)
            #expect((result.choseBackwardInput != nil) == (result.algorithm == "auto"))
        }
        #expect(report.backwardWinner != nil)
        let json = try report.jsonString()
        for key in ["backward_input_median_ms", "backward_weight_median_ms", "step_median_ms", "backward_winner", "chose_backward_weight"] {
            #expect(json.contains("\"\(key)\""), "missing \(key)")
        }
        #expect(try JSONDecoder().decode(LayerBenchmarkReport.self, from: Data(json.utf8)) == report)
    }

    @Test func invalidConfigurationsThrow() {
        func configuration(batch: Int = 1, threads: Int = 1, repeats: Int = 1, groups: Int = 1) -> LayerBenchmark.Configuration {
            .init(batch: batch, inChannels: 4, outChannels: 4, size: 8, kernel: 3, options: .init(groups: groups),
                  algorithms: [.im2col], threads: threads, repeats: repeats)
        }
        #expect(throws: SpectralConvError.invalidArgument("batch must be at least 1, got 0")) { try configuration(batch: 0).geometry() }
        #expect(throws: SpectralConvError.invalidArgument("threads must be at least 1, got 0")) { try configuration(threads: 0).geometry() }
        #expect(throws: SpectralConvError.invalidArgument("repeats must be at least 1, got 0")) { try LayerBenchmark.run(configuration(repeats: 0)) }
        #expect(throws: SpectralConvError.invalidArgument("groups 3 does not divide the 4 input channels")) { try configuration(groups: 3).geometry() }
    }

    @Test func gemmReferenceMeasures() throws {
        let measurement = try GEMMReference.measureSgemm(size: 64, threads: 1, repeats: 3)
        #expect(measurement.timing.samples.count == 3)
        #expect(measurement.bestGflops >= measurement.medianGflops && measurement.medianGflops > 0)
        #expect(throws: SpectralConvError.self) { try GEMMReference.measureSgemm(size: 0, threads: 1) }
    }
}
