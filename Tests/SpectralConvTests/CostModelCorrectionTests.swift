import Foundation
import Testing
@testable import SpectralConv

/// The calibration's local correction: it carries a systematic error of the fitted terms to
/// nearby unmeasured layers and nowhere else, is chosen by leave-one-out, survives the file, and
/// the model applies it to exactly the pass it was fitted for.
@Suite struct CostModelCorrectionTests {
    static func layer(channels: Int, size: Int, kernel: Int, batch: Int = 1, threads: Int = 2) -> CostModelCorrection.Layer {
        let g = try! ConvolutionGeometry(inputShape: [batch, channels, size, size], weightShape: [channels, channels, kernel, kernel],
                                         options: .init(padding: .same))
        return .init(g, threads: threads)
    }

    /// The sweep's grid with single-channel layers measured 2× slower than predicted and the rest
    /// as predicted, plus ±3% deterministic noise.
    static let plantedResiduals: [CostModelCorrection.Residual] = {
        var generator = SplitMix64(seed: 11)
        var residuals: [CostModelCorrection.Residual] = []
        for channels in [1, 16, 64] {
            for size in [16, 32, 64, 128, 256, 512] {
                for kernel in [1, 3, 5, 7, 9, 11, 15, 21, 31] {
                    let noise = 0.03 * (2 * Double(generator.next() % 1_000_000) / 1e6 - 1)
                    residuals.append(.init(layer: layer(channels: channels, size: size, kernel: kernel),
                                           logRatio: (channels == 1 ? log(2) : 0) + noise))
                }
            }
        }
        return residuals
    }()

    @Test func aPlantedSlowdownCarriesToNearbyLayersOnly() throws {
        let correction = try #require(CostModelCorrection.fitted(residuals: Self.plantedResiduals))
        let loo = try #require(correction.leaveOneOutRMS)
        #expect(loo < 0.1, "leave-one-out rms \(loo)")
        // Unmeasured single-channel layers between the grid's points: about 2×.
        for (size, kernel) in [(48, 4), (200, 12), (24, 25)] {
            let factor = exp(correction.logCorrection(at: Self.layer(channels: 1, size: size, kernel: kernel)).logFactor)
            #expect(abs(factor / 2 - 1) < 0.12, "C=1 \(size)² k=\(kernel): factor \(factor)")
        }
        // Unmeasured 16- and 64-channel layers: about 1.
        for channels in [16, 64] {
            let factor = exp(correction.logCorrection(at: Self.layer(channels: channels, size: 100, kernel: 6)).logFactor)
            #expect(abs(factor - 1) < 0.06, "C=\(channels): factor \(factor)")
        }
    }

    @Test func farFromEveryMeasuredLayerThereIsNoCorrection() {
        // At the bandwidth real calibrations choose (0.3–0.4): batch 64 or one thread instead of two.
        let correction = CostModelCorrection(bandwidth: 0.4, shrinkage: 0.1, residuals: Self.plantedResiduals)
        let near = correction.logCorrection(at: Self.layer(channels: 1, size: 64, kernel: 5))
        #expect(abs(near.logFactor - log(2)) < 0.1 && near.weight > 1)
        for far in [Self.layer(channels: 1, size: 64, kernel: 5, batch: 64), Self.layer(channels: 1, size: 64, kernel: 5, threads: 1)] {
            let estimate = correction.logCorrection(at: far)
            #expect(estimate.weight < 1e-6 && abs(estimate.logFactor) < 1e-5, "\(far): \(estimate)")
        }
    }

    @Test func residualsWithoutStructureKeepNoCorrection() {
        // Residuals alternating ±5% on neighbouring layers: nothing to carry over.
        let noise = Self.plantedResiduals.enumerated().map { index, residual in
            CostModelCorrection.Residual(layer: residual.layer, logRatio: index % 2 == 0 ? 0.05 : -0.05)
        }
        #expect(CostModelCorrection.fitted(residuals: noise) == nil)
        // Residuals that are already tiny need none either.
        let tiny = Self.plantedResiduals.map { CostModelCorrection.Residual(layer: $0.layer, logRatio: $0.logRatio * 1e-3) }
        #expect(CostModelCorrection.fitted(residuals: tiny) == nil)
    }

    /// A forward-only calibration of `CostModelCalibrationTests.truth` whose fft fit has `correction`.
    static func calibration(fftCorrection correction: CostModelCorrection?) -> CostModelCalibration {
        CostModelCalibration(fits: ConvolutionAlgorithm.concrete.map {
            .init(algorithm: $0, pass: .forward, coefficients: CostModelCalibrationTests.truth[$0]!, samples: 1, rmsLogError: 0,
                  maxLogError: 0, correction: $0 == .fft ? correction : nil)
        }, threads: 2, created: "", source: "")
    }

    @Test func theModelAppliesTheCorrectionOfThatPassOnly() throws {
        let correction = try #require(CostModelCorrection.fitted(residuals: Self.plantedResiduals))
        let corrected = ConvolutionCostModel(calibration: Self.calibration(fftCorrection: correction))
        let plain = ConvolutionCostModel(calibration: Self.calibration(fftCorrection: nil))
        let g = try ConvolutionGeometry(inputShape: [1, 1, 48, 48], weightShape: [1, 1, 4, 4], options: .init(padding: .same))
        let factor = correction.factor(for: g, threads: 2)
        #expect(factor > 1.7)
        let forward = corrected.predictedSeconds(for: g, algorithm: .fft, threads: 2)
        #expect(abs(forward / (plain.predictedSeconds(for: g, algorithm: .fft, threads: 2) * factor) - 1) < 1e-12)
        // Other paths and the gradients (predicted with the forward coefficients) are not corrected.
        #expect(corrected.predictedSeconds(for: g, algorithm: .direct, threads: 2) == plain.predictedSeconds(for: g, algorithm: .direct, threads: 2))
        #expect(corrected.predictedBackwardSeconds(for: g, gradient: .input, algorithm: .fft, threads: 2)
                == plain.predictedBackwardSeconds(for: g, gradient: .input, algorithm: .fft, threads: 2))
        #expect(corrected.correction(for: .auto, pass: .forward) == correction)
        #expect(corrected.correction(for: .fft, pass: .backwardWeight) == nil)
    }

    @Test func theCorrectionRoundTripsThroughTheFile() throws {
        let correction = try #require(CostModelCorrection.fitted(residuals: Self.plantedResiduals, fftLayout: true))
        let calibration = Self.calibration(fftCorrection: correction)
        let decoded = try CostModelCalibration.decode(calibration.encoded())
        #expect(decoded.fit(for: .fft, pass: .forward)?.correction == correction)
        #expect(decoded.fit(for: .direct, pass: .forward)?.correction == nil)
        let g = try ConvolutionGeometry(inputShape: [1, 1, 200, 200], weightShape: [1, 1, 12, 12], options: .init(padding: .same))
        #expect(ConvolutionCostModel(calibration: decoded).predictedSeconds(for: g, algorithm: .fft, threads: 2)
                == ConvolutionCostModel(calibration: calibration).predictedSeconds(for: g, algorithm: .fft, threads: 2))
        // The JSON names its parts.
        let object = try #require(try JSONSerialization.jsonObject(with: calibration.encoded()) as? [String: Any])
        let fits = try #require(object["fits"] as? [[String: Any]])
        let fft = try #require(fits.first { $0["algorithm"] as? String == "fft" }?["correction"] as? [String: Any])
        #expect(Set(fft.keys) == ["bandwidth", "shrinkage", "leave_one_out_rms", "residuals"])
        let first = try #require((fft["residuals"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["layer", "log_ratio"])
        #expect((first["layer"] as? [String: Any])?["out_channels"] as? Int == 1)
    }

    @Test func theFFTCorrectionAlsoMeasuresDistanceInTheFFTLayout() throws {
        // Two 128² single-channel layers with neighbouring kernels: the FFT path runs 64² tiles for
        // one and a whole 160² transform pair for the other — far apart for the fft correction only.
        let tiled = Self.layer(channels: 1, size: 128, kernel: 21), whole = Self.layer(channels: 1, size: 128, kernel: 24)
        #expect(tiled.fftTiles > 1 && whole.fftTiles == 1 && whole.fftTransformHeight > tiled.fftTransformHeight)
        func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }
        let plain = distance(tiled.features(fftLayout: false), whole.features(fftLayout: false))
        let withLayout = distance(tiled.features(fftLayout: true), whole.features(fftLayout: true))
        #expect(plain < 0.2 && withLayout > 1.5, "\(plain) \(withLayout)")
        // A calibration's fft correction is read back with the layout features, the others without.
        let residuals = Self.plantedResiduals
        let calibration = CostModelCalibration(fits: ConvolutionAlgorithm.concrete.map {
            .init(algorithm: $0, pass: .forward, coefficients: CostModelCalibrationTests.truth[$0]!, samples: 1, rmsLogError: 0,
                  maxLogError: 0, correction: CostModelCorrection(bandwidth: 0.4, shrinkage: 0.1, residuals: residuals, fftLayout: $0 == .fft))
        }, threads: 2, created: "", source: "")
        let decoded = try CostModelCalibration.decode(calibration.encoded())
        #expect(decoded.fit(for: .fft, pass: .forward)?.correction?.fftLayout == true)
        #expect(decoded.fit(for: .direct, pass: .forward)?.correction?.fftLayout == false)
    }

    @Test func aLayerWrittenWithoutItsFFTLayoutGetsTheSameLayout() throws {
        for (input, weight, options) in [([1, 1, 128, 128], [1, 1, 21, 21], ConvolutionOptions(padding: .same)),
                                         ([2, 16, 40, 36], [8, 4, 5, 3], ConvolutionOptions(stride: 2, padding: .same, groups: 4)),
                                         ([1, 3, 100], [6, 3, 7], ConvolutionOptions(stride: SpatialPair(height: 1, width: 3)))] {
            let g = try ConvolutionGeometry(inputShape: input, weightShape: weight, options: options)
            let layer = CostModelCorrection.Layer(g, threads: 2)
            var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(layer)) as? [String: Any])
            for key in ["fft_transform_height", "fft_transform_width", "fft_tiles"] { #expect(object.removeValue(forKey: key) != nil) }
            let decoded = try JSONDecoder().decode(CostModelCorrection.Layer.self, from: JSONSerialization.data(withJSONObject: object))
            #expect(decoded == layer, "\(g)")
        }
    }

    @Test func aDamagedCorrectionIsAClearError() throws {
        let correction = CostModelCorrection(bandwidth: 0.5, shrinkage: 0.3, residuals: Array(Self.plantedResiduals.prefix(3)))
        let text = String(decoding: Self.calibration(fftCorrection: correction).encoded(), as: UTF8.self)
        for (good, bad, words) in [("\"bandwidth\" : 0.5", "\"bandwidth\" : -1", "bandwidth"),
                                   ("\"shrinkage\" : 0.3", "\"shrinkage\" : -0.5", "shrinkage")] {
            #expect(text.contains(good), "fixture lacks \(good)")
            let error = #expect(throws: SpectralConvError.self) {
                try CostModelCalibration.decode(Data(text.replacingOccurrences(of: good, with: bad).utf8), path: "cal.json")
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains(words) && message.contains("cal.json") && !message.contains("\n"), "\(message)")
        }
    }
}
