import Foundation
import Testing
@testable import SpectralConv

/// Measured transform costs per length: the weights follow the measured seconds, the FFT layout
/// avoids a length measured slow and still computes the same convolution, the model predicts with
/// the table, and tables travel through calibration files and sweep reports.
@Suite struct FFTLengthCostsTests {
    /// Seconds exactly proportional to the counted flops `5·T·log2 T` (per r2c + c2r pair of T
    /// points), times `slowdown[n]` for n×n maps and `rowSlowdown[n]` for n×32 ones.
    static func table(upTo maximum: Int, scale: Double = 1e-10, slowdown: [Int: Double] = [:],
                      rowSlowdown: [Int: Double] = [:]) throws -> FFTLengthCosts {
        func seconds(_ points: Int) -> Double { scale * 5 * Double(points) * max(log2(Double(points)), 1) }
        var route = FFTLengthCosts.Route(square: [:], tall: [:], wide: [:])
        for n in FFTSize.evenFastLengths(in: 2...maximum) {
            route.square[n] = seconds(n * n) * (slowdown[n] ?? 1)
            route.tall[n] = seconds(n * 32) * (rowSlowdown[n] ?? 1)
            route.wide[n] = seconds(n * 32)
        }
        return try FFTLengthCosts(batched: route, perMap: route, rigor: .estimate)
    }

    @Test func weightIsTheSquareRootOfTheCostPerFlopOverTheMedian() throws {
        let costs = try Self.table(upTo: 128, slowdown: [40: 4, 96: 2.25])
        #expect(abs(costs.weight(height: 40, width: 40, perMap: false)! - 4) < 1e-12)
        #expect(abs(costs.axisWeights(40, perMap: false)!.height - 2) < 1e-12)
        #expect(abs(costs.weight(height: 96, width: 96, perMap: true)! - 2.25) < 1e-12)
        #expect(abs(costs.weight(height: 64, width: 64, perMap: false)! - 1) < 1e-12)
        #expect(costs.weight(height: 130, width: 64, perMap: false) == nil && costs.weight(height: 64, width: 130, perMap: false) == nil)
        #expect(costs.weight(height: 1, width: 40, perMap: false) == costs.axisWeights(40, perMap: false)!.width)
        #expect(costs.maximumLength == 128)
        // Without a difference between n×32 and 32×n, a rectangle's weight is the geometric mean of its squares'.
        #expect(abs(FFTConvolutionLayout.transformWeight(height: 40, width: 96, perMap: false, lengthCosts: costs) - 3) < 1e-12)
        // A length outside the table falls back to the fixed rule.
        #expect(FFTConvolutionLayout.transformWeight(height: 140, width: 140, perMap: false, lengthCosts: costs)
                == FFTConvolutionLayout.transformWeight(height: 140, width: 140, perMap: false, lengthCosts: nil))
    }

    @Test func aMachineUniformlySlowerChangesNoWeight() throws {
        let base = try Self.table(upTo: 200, slowdown: [30: 3, 60: 2])
        let slower = try Self.table(upTo: 200, scale: 7e-10, slowdown: [30: 3, 60: 2])
        let g = try ConvolutionGeometry(inputShape: [1, 16, 50, 50], weightShape: [16, 16, 9, 9], options: .init(padding: .same))
        #expect(FFTConvolutionLayout(geometry: g, lengthCosts: base) == FFTConvolutionLayout(geometry: g, lengthCosts: slower))
        #expect(ConvolutionCostTerms.forward(g, algorithm: .fft, threads: 2, lengthCosts: base)
                == ConvolutionCostTerms.forward(g, algorithm: .fft, threads: 2, lengthCosts: slower))
    }

    /// The layer whose 40×40 tiles ran 30 ms under `estimate` plans (19 ms with timed ones).
    static let fortySquareLayer = try! ConvolutionGeometry(inputShape: [1, 64, 32, 32], weightShape: [64, 64, 20, 20], options: .init(padding: .same))

    @Test func layoutAvoidsALengthMeasuredSlow() throws {
        let g = Self.fortySquareLayer
        let fixed = FFTConvolutionLayout(geometry: g)
        #expect(fixed.transformHeight == 40 && fixed.transformWidth == 40, "the fixed rule's choice changed: \(fixed.transformHeight)x\(fixed.transformWidth)")
        let costs = try Self.table(upTo: 128, slowdown: [40: 4])
        let measured = FFTConvolutionLayout(geometry: g, lengthCosts: costs)
        #expect(measured.transformHeight != 40 && measured.transformWidth != 40)
        #expect(measured.transformWeight == costs.weight(height: measured.transformHeight, width: measured.transformWidth, perMap: false)!)
        // The model predicts with the same layout: its transform term is that layout's weighted flops.
        let terms = ConvolutionCostTerms.forward(g, algorithm: .fft, threads: 1, lengthCosts: costs)
        #expect(terms[.transformFlops] == measured.transformFlops)
        #expect(terms[.transformFlops] != ConvolutionCostTerms.forward(g, algorithm: .fft, threads: 1)[.transformFlops])
    }

    @Test func engineWithATableComputesTheSameConvolution() throws {
        // Make every length but 16 and 18 slow, so layouts tile where the fixed rule would not.
        var slowdown: [Int: Double] = [:]
        for n in FFTSize.evenFastLengths(in: 2...256) where n != 16 && n != 18 { slowdown[n] = 25 }
        let costs = try Self.table(upTo: 256, slowdown: slowdown)
        var model = ConvolutionCostModel.default
        model.fftLengthCosts = costs
        let engine = try ConvolutionEngine(threads: 2, costModel: model)
        let reference = try ConvolutionEngine(threads: 1, costModel: .default)
        let cases: [([Int], [Int], ConvolutionOptions)] = [
            ([2, 3, 40, 37], [4, 3, 5, 5], .init(padding: .same)),
            ([1, 2, 45, 45], [3, 2, 3, 3], .init(stride: 2, padding: .same)),
            ([1, 1, 64, 64], [1, 1, 7, 7], .init(padding: .valid)),
            ([1, 4, 33, 33], [4, 2, 3, 3], .init(padding: .same, dilation: 2, groups: 2)),
        ]
        var tiledDifferently = 0
        for (inputShape, weightShape, options) in cases {
            let g = try ConvolutionGeometry(inputShape: inputShape, weightShape: weightShape, options: options)
            let measured = FFTConvolutionLayout(geometry: g, lengthCosts: costs)
            if measured.tilesHigh * measured.tilesWide != FFTConvolutionLayout(geometry: g).tilesHigh * FFTConvolutionLayout(geometry: g).tilesWide {
                tiledDifferently += 1
            }
            let x = Tensor<Float>.uniform(shape: inputShape, seed: 3)
            let w = Tensor<Float>.uniform(shape: weightShape, seed: 4)
            let y = try engine.forward(input: x, weight: w, options: options, algorithm: .fft)
            let expected = try reference.forward(input: x, weight: w, options: options, algorithm: .direct)
            let scale = expected.scalars.map { abs($0) }.max() ?? 1
            let error = zip(y.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 1e-5 * max(scale, 1), "\(inputShape) \(weightShape): max error \(error)")
        }
        #expect(tiledDifferently >= 2, "the table should change the tiling of most of these layers")
    }

    @Test func autotuneKeepsChoicesUnderDifferentTablesApart() throws {
        let costs = try Self.table(upTo: 64, slowdown: [40: 4])
        #expect(costs.fingerprint == (try Self.table(upTo: 64, slowdown: [40: 4])).fingerprint)
        #expect(costs.fingerprint != (try Self.table(upTo: 64, slowdown: [40: 3])).fingerprint)
        #expect(costs.fingerprint.count == 8)
        var model = ConvolutionCostModel.default
        model.fftLengthCosts = costs
        let g = Self.fortySquareLayer
        let measured = try ConvolutionEngine(threads: 2, costModel: model, autotuner: Autotuner()).autotuneKey(for: g)
        let fixed = try ConvolutionEngine(threads: 2, costModel: .default, autotuner: Autotuner()).autotuneKey(for: g)
        #expect(measured != fixed)
        #expect(measured.description == fixed.description + " fft-lengths=\(costs.fingerprint)")
    }

    @Test func rowsAndColumnsOfOneLengthAreWeightedApart() throws {
        // Length 72 runs 4× its flops as the rows of a transform (72×32) and normally as the columns (32×72).
        let costs = try Self.table(upTo: 128, rowSlowdown: [72: 4])
        let axes = try #require(costs.axisWeights(72, perMap: false))
        #expect(abs(axes.height / axes.width - 4) < 1e-12)
        // Squares stay as measured (72×72 at its flops' cost), tall rectangles cost more than wide ones.
        #expect(abs(costs.weight(height: 72, width: 72, perMap: false)! - 1) < 1e-12)
        #expect(abs(costs.weight(height: 72, width: 20, perMap: false)! / costs.weight(height: 20, width: 72, perMap: false)! - 4) < 1e-12)
        // The layout moves away from rows measured slow.
        let g = try ConvolutionGeometry(inputShape: [1, 16, 128, 128], weightShape: [16, 16, 8, 8], options: .init(padding: .same))
        let uniform = FFTConvolutionLayout(geometry: g, lengthCosts: try Self.table(upTo: 256))
        let slowRows = FFTConvolutionLayout(geometry: g, lengthCosts: try Self.table(upTo: 256, rowSlowdown: [uniform.transformHeight: 4]))
        #expect(slowRows.transformHeight != uniform.transformHeight)
    }

    @Test func invalidTablesAreRejected() throws {
        let good = FFTLengthCosts.Route(square: [8: 1e-7, 16: 4e-7], tall: [8: 1e-7, 16: 2e-7], wide: [8: 1e-7, 16: 2e-7])
        func with(_ change: (inout FFTLengthCosts.Route) -> Void) -> FFTLengthCosts.Route {
            var route = good
            change(&route)
            return route
        }
        let cases: [(FFTLengthCosts.Route, FFTLengthCosts.Route, String)] = [
            (FFTLengthCosts.Route(square: [:], tall: [:], wide: [:]), good, "no batched lengths"),
            (good, with { $0.square[7] = 1e-7; $0.tall[7] = 1e-7; $0.wide[7] = 1e-7 }, "length 7"),
            (good, with { $0.square[8] = 0 }, "finite number of seconds > 0"),
            (with { $0.tall[8] = .nan }, good, "tall time of length 8"),
            (good, with { $0.wide[16] = -1e-7 }, "> 0"),
            (with { $0.wide[32] = 1e-6 }, good, "cover different lengths"),
        ]
        for (batched, perMap, fragment) in cases {
            #expect {
                _ = try FFTLengthCosts(batched: batched, perMap: perMap, rigor: .estimate)
            } throws: { error in
                "\(error)".contains(fragment)
            }
        }
        _ = try FFTLengthCosts(batched: good, perMap: good, rigor: .measure)
    }

    @Test func measuredTableCoversEveryEvenFastLength() throws {
        let costs = try FFTLengthCosts.measure(maximumLength: 48, rigor: .estimate)
        let lengths = FFTSize.evenFastLengths(in: 2...48)
        for route in [costs.batched, costs.perMap] {
            for table in [route.square, route.tall, route.wide] {
                #expect(table.keys.sorted() == lengths)
                #expect(table.values.allSatisfy { $0 > 0 && $0 < 1e-2 })
            }
            // Larger transforms take longer (48² does ~700 times the flops of 2²).
            #expect(route.square[48]! > route.square[2]!)
        }
        #expect(costs.rigor == .estimate)
        #expect(throws: SpectralConvError.self) { _ = try FFTLengthCosts.measure(maximumLength: 1, rigor: .estimate) }
    }

    @Test func calibrationFileCarriesTheTable() throws {
        let costs = try Self.table(upTo: 64, slowdown: [40: 3])
        let calibration = CostModelCalibration(fits: ConvolutionAlgorithm.concrete.map {
            .init(algorithm: $0, pass: .forward, coefficients: CostModelCalibrationTests.truth[$0]!, samples: 1, rmsLogError: 0, maxLogError: 0)
        }, threads: 2, created: "", source: "", fftLengths: costs)
        let text = String(decoding: calibration.encoded(), as: UTF8.self)
        #expect(text.contains("\"fft_lengths\"") && text.contains("\"per_map\"") && text.contains("\"tall\"") && text.contains("\"40\""))
        let decoded = try CostModelCalibration.decode(calibration.encoded())
        #expect(decoded == calibration && decoded.fftLengths == costs)
        #expect(ConvolutionCostModel(calibration: decoded).fftLengthCosts == costs)
        // A damaged table is a clear error naming it.
        let damaged = text.replacingOccurrences(of: "\"40\"", with: "\"41\"")
        #expect {
            _ = try CostModelCalibration.decode(Data(damaged.utf8), path: "cal.json")
        } throws: { error in
            let message = "\(error)"
            return message.contains("cal.json") && message.contains("fft_lengths") && message.contains("length 41")
        }
    }

    @Test func calibrationFromASweepKeepsTheSweepsTable() throws {
        let costs = try Self.table(upTo: 600, slowdown: [40: 4, 30: 2])
        var report = try CostModelCalibrationTests.syntheticSweep()
        report.config.fftLengths = costs
        let json = try report.jsonString(pretty: false)
        #expect(json.contains("\"fft_lengths\""))
        let decoded = try SweepReport.decode(Data(json.utf8))
        #expect(decoded.config.fftLengths == costs)
        let calibration = try CostModelCalibration.fit(to: [decoded])
        #expect(calibration.fftLengths == costs)
        // The fit saw the terms of the layouts the table chooses: it reproduces measurements made there.
        let withTable = ConvolutionCostModel(calibration: calibration)
        #expect(withTable.fftLengthCosts == costs)
        let g = Self.fortySquareLayer
        let terms = ConvolutionCostTerms.forward(g, algorithm: .fft, threads: 2, lengthCosts: costs)
        #expect(withTable.predictedSeconds(for: g, algorithm: .fft, threads: 2)
                == ConvolutionCostModel.seconds(terms, withTable.coefficients(for: .fft, pass: .forward).coefficients)
                * (withTable.correction(for: .fft, pass: .forward)?.factor(for: g, threads: 2, lengthCosts: costs) ?? 1))
    }
}
