import Foundation
import Testing
@testable import SpectralConv

/// The calibrated cost model: the fit recovers known coefficients, calibrations round-trip through
/// their file, damaged files are clear errors, and the model uses what it has.
@Suite struct CostModelCalibrationTests {
    /// Coefficients of a made-up machine, per path (seconds per unit).
    static let truth: [ConvolutionAlgorithm: ConvolutionCostModel.Coefficients] = [
        .direct: [.directFlops: 1 / 60e9, .directBlockingLoss: 1 / 240e9, .copyBytes: 1 / 3e9, .calls: 4e-6],
        .im2col: [.gemmFlops: 1 / 110e9, .gemmBlockingLoss: 1 / 900e9, .copyBytes: 1 / 6e9, .calls: 9e-6],
        .fft: [.transformFlops: 1 / 9e9, .perMapTransformFlops: 1 / 20e9, .productFlops: 1 / 50e9, .copyBytes: 1 / 4e9, .calls: 25e-6],
    ]

    /// Layers that make every term vary: channel counts 1…64 (register blocks partly filled),
    /// sizes 8…192, kernels 1…31, batch 1 and 3, both FFT routes and odd transform lengths.
    static let geometries: [ConvolutionGeometry] = {
        var result: [ConvolutionGeometry] = []
        for (c, n, k, batch) in [(1, 8, 1, 1), (1, 16, 3, 1), (1, 64, 9, 1), (1, 192, 15, 3), (2, 32, 5, 1), (3, 24, 7, 3),
                                 (8, 16, 1, 1), (8, 96, 3, 1), (16, 16, 11, 1), (16, 64, 5, 3), (32, 48, 3, 1), (64, 8, 3, 1),
                                 (64, 32, 7, 1), (24, 128, 1, 1), (4, 160, 13, 1), (12, 40, 9, 3),
                                 (1, 16, 11, 1), (16, 32, 31, 1)] {
            result.append(try! ConvolutionGeometry(inputShape: [batch, c, n, n], weightShape: [c, c, k, k], options: .init(padding: .same)))
        }
        return result
    }()

    static func exactSamples(_ algorithm: ConvolutionAlgorithm, pass: ConvolutionPass = .forward) -> [CostModelFit.Sample] {
        geometries.map { g in
            let terms = ConvolutionCostTerms.of(g, algorithm: algorithm, pass: pass, threads: 2)
            return .init(algorithm: algorithm, terms: terms, seconds: ConvolutionCostModel.seconds(terms, truth[algorithm]!))
        }
    }

    @Test(arguments: ConvolutionAlgorithm.concrete)
    func fitRecoversKnownCoefficients(_ algorithm: ConvolutionAlgorithm) throws {
        let result = try CostModelFit.fit(samples: Self.exactSamples(algorithm), terms: CostTerm.terms(of: algorithm),
                                          prior: ConvolutionCostModel.default.rateCoefficients(for: algorithm))
        #expect(result.samples == Self.geometries.count)
        #expect(result.rmsLogError < 1e-3, "rms ln error \(result.rmsLogError)")
        for (term, value) in Self.truth[algorithm]! {
            let fitted = try #require(result.coefficients[term])
            #expect(abs(fitted / value - 1) < 0.02, "\(algorithm) \(term): fitted \(fitted), true \(value)")
        }
    }

    @Test func fitIsRobustToModestNoise() throws {
        // ±10% multiplicative noise (deterministic): coefficients within 15%, predictions within noise.
        var generator = SplitMix64(seed: 7)
        let noisy = Self.exactSamples(.fft).map { sample in
            var sample = sample
            sample.seconds *= exp(0.1 * (2 * Double(generator.next() % 1_000_000) / 1e6 - 1))
            return sample
        }
        let result = try CostModelFit.fit(samples: noisy, terms: CostTerm.terms(of: .fft), prior: ConvolutionCostModel.default.rateCoefficients(for: .fft))
        #expect(result.rmsLogError < 0.1)
        for term in [CostTerm.transformFlops, .productFlops] {
            #expect(abs(result.coefficients[term]! / Self.truth[.fft]![term]! - 1) < 0.15)
        }
    }

    /// Every path on every layer, the layer's times all multiplied by one load factor (×1/2 … ×3).
    static func loadedSamples(outlier: Bool) -> [CostModelFit.Sample] {
        var generator = SplitMix64(seed: 11)
        var samples: [CostModelFit.Sample] = []
        for (group, g) in geometries.enumerated() {
            let load = exp(log(0.5) + Double(generator.next() % 1000) / 1000 * log(6.0))
            for algorithm in ConvolutionAlgorithm.concrete {
                let terms = ConvolutionCostTerms.of(g, algorithm: algorithm, pass: .forward, threads: 2)
                var seconds = ConvolutionCostModel.seconds(terms, truth[algorithm]!) * load
                if outlier && group == 3 && algorithm == .fft { seconds *= 50 }     // one pathological measurement
                samples.append(.init(algorithm: algorithm, terms: terms, seconds: seconds, group: group))
            }
        }
        return samples
    }

    static var defaultPriors: [ConvolutionAlgorithm: ConvolutionCostModel.Coefficients] {
        Dictionary(uniqueKeysWithValues: ConvolutionAlgorithm.concrete.map { ($0, ConvolutionCostModel.default.rateCoefficients(for: $0)) })
    }

    @Test func loadFactorsAbsorbDriftBetweenLayers() throws {
        // Without load factors the drift bends the coefficients; with them the comparisons between
        // paths — the ratios of their coefficients — come out right.
        let results = try CostModelFit.fit(samples: Self.loadedSamples(outlier: false), priors: Self.defaultPriors,
                                           options: .init(offsetWeight: 1e-6))
        let scale = results[.direct]!.coefficients[.directFlops]! / Self.truth[.direct]![.directFlops]!
        for algorithm in ConvolutionAlgorithm.concrete {
            for (term, value) in Self.truth[algorithm]! {
                let ratio = results[algorithm]!.coefficients[term]! / value / scale
                #expect(abs(ratio - 1) < 0.03, "\(algorithm) \(term): off by \(ratio)")
            }
        }
    }

    @Test func robustLossIgnoresAnOutlier() throws {
        let results = try CostModelFit.fit(samples: Self.loadedSamples(outlier: true), priors: Self.defaultPriors,
                                           options: .init(offsetWeight: 1e-6))
        let plain = try CostModelFit.fit(samples: Self.loadedSamples(outlier: true), priors: Self.defaultPriors,
                                         options: .init(offsetWeight: 1e-6, robustScale: nil))
        func error(_ r: [ConvolutionAlgorithm: CostModelFit.Result]) -> Double {
            let scale = r[.direct]!.coefficients[.directFlops]! / Self.truth[.direct]![.directFlops]!
            return [CostTerm.transformFlops, .productFlops].map { abs(log(r[.fft]!.coefficients[$0]! / Self.truth[.fft]![$0]! / scale)) }.max()!
        }
        #expect(error(results) < 0.1, "robust fit off by \(error(results))")
        #expect(error(results) < error(plain))
    }

    @Test func unidentifiedTermsKeepTheirPrior() throws {
        // Every sample has the same single term: the others never vary and stay at the prior.
        let prior = ConvolutionCostModel.default.rateCoefficients(for: .im2col)
        let samples = (1...5).map { i -> CostModelFit.Sample in
            var terms = ConvolutionCostTerms()
            terms[.gemmFlops] = 1e9 * Double(i)
            return .init(algorithm: .im2col, terms: terms, seconds: 0.02 * Double(i))
        }
        let result = try CostModelFit.fit(samples: samples, terms: CostTerm.terms(of: .im2col), prior: prior)
        #expect(abs(result.coefficients[.gemmFlops]! / 2e-11 - 1) < 1e-3)
        #expect(result.coefficients[.copyBytes] == prior[.copyBytes] && result.coefficients[.gemmBlockingLoss] == prior[.gemmBlockingLoss])
        #expect(throws: SpectralConvError.self) {
            try CostModelFit.fit(samples: [.init(algorithm: .im2col, terms: samples[0].terms, seconds: 0)], terms: [.gemmFlops], prior: prior)
        }
    }

    /// A synthetic sweep whose times come from the made-up machine (forward and gradients).
    static func syntheticSweep() throws -> SweepReport {
        var rows: [SweepReport.Row] = []
        let truthModel = ConvolutionCostModel(calibration: CostModelCalibration(
            fits: ConvolutionAlgorithm.concrete.flatMap { algorithm in
                ConvolutionPass.allCases.map { pass in
                    // Gradients run at 80% of the forward's speed on this machine.
                    let scale = pass == .forward ? 1.0 : 1.25
                    return CostModelCalibration.Fit(algorithm: algorithm, pass: pass, coefficients: truth[algorithm]!.mapValues { $0 * scale },
                                                    samples: 0, rmsLogError: 0, maxLogError: 0)
                }
            }, threads: 2, created: "", source: ""))
        for g in geometries {
            for algorithm in ConvolutionAlgorithm.concrete {
                var row = SweepReport.Row(channels: g.inChannels, size: g.height, kernel: g.kernelHeight, batch: g.batch,
                                          padding: "same", algorithm: algorithm, status: .measured)
                row.medianMs = truthModel.predictedSeconds(for: g, algorithm: algorithm, threads: 2) * 1e3
                row.backwardStatus = .measured
                row.backwardInputMedianMs = truthModel.predictedBackwardSeconds(for: g, gradient: .input, algorithm: algorithm, threads: 2) * 1e3
                row.backwardWeightMedianMs = truthModel.predictedBackwardSeconds(for: g, gradient: .weight, algorithm: algorithm, threads: 2) * 1e3
                rows.append(row)
            }
        }
        let config = SweepReport.Config(
            kernels: [], sizes: [], channels: [], batch: 1, threads: 2, padding: "same", algorithms: ["direct", "im2col", "fft"],
            repeats: 1, budgetSeconds: 1, backward: true, seed: 1, fftRigor: "estimate", costModel: "default",
            openblasEnvironment: [:], started: "", seconds: 0)
        return SweepReport(config: config, rows: rows)
    }

    @Test func calibrationFromASweepPredictsItsMeasurementsForwardAndBackward() throws {
        let calibration = try CostModelCalibration.fit(to: [Self.syntheticSweep()], created: Date(timeIntervalSince1970: 0))
        #expect(calibration.fits.count == 9)
        #expect(calibration.created == "1970-01-01T00:00:00Z" && calibration.threads == 2)
        #expect(calibration.fits.allSatisfy { $0.rmsLogError < 1e-3 && $0.samples == Self.geometries.count })
        let direct = try #require(calibration.fit(for: .direct, pass: .backwardInput))
        #expect(abs(direct.coefficients[.directFlops]! / (1.25 / 60e9) - 1) < 0.02)
        // And it predicts a layer it never saw.
        let model = ConvolutionCostModel(calibration: calibration)
        let unseen = try ConvolutionGeometry(inputShape: [2, 20, 50, 50], weightShape: [20, 20, 5, 5], options: .init(padding: .same))
        for algorithm in ConvolutionAlgorithm.concrete {
            let terms = ConvolutionCostTerms.of(unseen, algorithm: algorithm, pass: .forward, threads: 2)
            let expected = ConvolutionCostModel.seconds(terms, Self.truth[algorithm]!)
            #expect(abs(model.predictedSeconds(for: unseen, algorithm: algorithm, threads: 2) / expected - 1) < 0.02)
        }
    }

    @Test func calibrationWithoutGradientsUsesTheForwardFitForThem() throws {
        let forwardOnly = CostModelCalibration(fits: ConvolutionAlgorithm.concrete.map {
            .init(algorithm: $0, pass: .forward, coefficients: Self.truth[$0]!, samples: 1, rmsLogError: 0, maxLogError: 0)
        }, threads: 2, created: "", source: "")
        let model = ConvolutionCostModel(calibration: forwardOnly)
        let g = Self.geometries[9]
        for algorithm in ConvolutionAlgorithm.concrete {
            #expect(model.coefficients(for: algorithm, pass: .backwardWeight).calibrated)
            let terms = ConvolutionCostTerms.backward(g, gradient: .weight, algorithm: algorithm, threads: 2)
            #expect(model.predictedBackwardSeconds(for: g, gradient: .weight, algorithm: algorithm, threads: 2)
                    == ConvolutionCostModel.seconds(terms, Self.truth[algorithm]!))
        }
        #expect(!ConvolutionCostModel.default.coefficients(for: .fft, pass: .forward).calibrated)
    }

    @Test func defaultModelIsTheRatesOverTheTerms() throws {
        let model = ConvolutionCostModel.default
        let g = Self.geometries[11]
        let terms = ConvolutionCostTerms.forward(g, algorithm: .fft, threads: 2)
        let layout = FFTConvolutionLayout(geometry: g)
        // 64 input and output maps: both threads transform.
        #expect(terms[.transformFlops] == layout.transformFlops / 2 && terms[.productFlops] == layout.productFlops / 2)
        #expect(abs(model.predictedSeconds(for: g, algorithm: .fft, threads: 2)
                    - (layout.transformFlops / 2 / 11e9 + layout.productFlops / 2 / 36e9 + terms[.copyBytes] / 8e9 + terms[.calls] * 9e-6)) < 1e-15)
        #expect(terms[.calls] == 1)
        // The direct path at full register blocks: flops at 85 GFLOP/s per thread, no loss; this
        // 4.7-Mflop layer splits over both threads (above DirectConvolution.serialFlops, 2 Mflop)…
        let direct = ConvolutionCostTerms.forward(g, algorithm: .direct, threads: 2)
        #expect(DirectConvolution.workingThreads(g, available: 2) == 2)
        #expect(direct[.directBlockingLoss] == 0 && direct[.directFlops] == g.usefulFlops / 2)
        // …and a 0.6-Mflop one (16 channels, 12², 3×3) runs on one.
        let small = try ConvolutionGeometry(inputShape: [1, 16, 12, 12], weightShape: [16, 16, 3, 3], options: .init(padding: .same))
        let smallDirect = ConvolutionCostTerms.forward(small, algorithm: .direct, threads: 2)
        #expect(DirectConvolution.workingThreads(small, available: 2) == 1)
        #expect(smallDirect[.directFlops] > small.usefulFlops && smallDirect[.directFlops] < 1.34 * small.usefulFlops)
        // One input map per output (C = 1): the per-map route, data maps only (kernel spectra are kept).
        let single = try ConvolutionGeometry(inputShape: [1, 1, 64, 64], weightShape: [3, 1, 9, 9], options: .init(padding: .same))
        let perMap = ConvolutionCostTerms.forward(single, algorithm: .fft, threads: 2)
        let singleLayout = FFTConvolutionLayout(geometry: single)
        #expect(perMap[.transformFlops] == 0 && perMap[.perMapTransformFlops] > 0)
        #expect(perMap[.perMapTransformFlops] < singleLayout.transformFlops)
        // One small untiled input map: one thread works (FFTW's threads only from 256×256 points), on the data maps' share.
        let tiny = try ConvolutionGeometry(inputShape: [1, 1, 8, 8], weightShape: [2, 1, 3, 3], options: .init(padding: .same))
        let tinyLayout = FFTConvolutionLayout(geometry: tiny)
        try #require(tinyLayout.batchItems == 1)
        #expect(tinyLayout.perMapWorkingThreads(threads: 2) == 1 && !tinyLayout.perMapUsesFFTWThreads(threads: 2))
        let tinyTerms = ConvolutionCostTerms.forward(tiny, algorithm: .fft, threads: 2)
        #expect(abs(tinyTerms[.perMapTransformFlops] - tinyLayout.transformFlops * tinyLayout.dataTransformShare) <= 1e-9 * tinyTerms[.perMapTransformFlops])
        // Several maps: one per thread, single-threaded plans. A lone large map: FFTW's threads (or tiles) keep both busy.
        let batch = FFTConvolutionLayout(geometry: try ConvolutionGeometry(inputShape: [4, 1, 32, 32], weightShape: [1, 1, 5, 5], options: .init(padding: .same)))
        #expect(batch.perMapWorkingThreads(threads: 2) == 2 && !batch.perMapUsesFFTWThreads(threads: 2))
        let large = FFTConvolutionLayout(geometry: try ConvolutionGeometry(inputShape: [1, 1, 300, 300], weightShape: [1, 1, 5, 5], options: .init(padding: .same)))
        #expect(large.perMapWorkingThreads(threads: 2) == 2)
        #expect(singleLayout.dataTransformShare > 0 && singleLayout.dataTransformShare < 1)
        // A 1×1 stride-1 unpadded layer needs no unfold.
        let pointwise = try ConvolutionGeometry(inputShape: [1, 8, 16, 16], weightShape: [8, 8, 1, 1], options: .init())
        #expect(ConvolutionCostTerms.forward(pointwise, algorithm: .im2col, threads: 2)[.copyBytes] == 0)
    }

    @Test func aTermACalibrationLacksKeepsItsRate() throws {
        // A file written before a term existed: that term is predicted at the default rate, not for free.
        var fft = Self.truth[.fft]!
        fft[.perMapTransformFlops] = nil
        let old = CostModelCalibration(fits: ConvolutionAlgorithm.concrete.map {
            .init(algorithm: $0, pass: .forward, coefficients: $0 == .fft ? fft : Self.truth[$0]!, samples: 1, rmsLogError: 0, maxLogError: 0)
        }, threads: 2, created: "", source: "")
        let coefficients = ConvolutionCostModel(calibration: old).coefficients(for: .fft, pass: .forward).coefficients
        #expect(coefficients[.perMapTransformFlops] == ConvolutionCostModel.default.rateCoefficients(for: .fft)[.perMapTransformFlops])
        #expect(coefficients[.transformFlops] == Self.truth[.fft]![.transformFlops])
    }

    @Test func choicesFollowChangesToTheModel() throws {
        let g = Self.geometries[12]
        var model = ConvolutionCostModel.default
        let before = model.fastest(for: g, threads: 2)
        // Make the chosen path absurdly slow: the remembered choice must not survive the change.
        switch before {
        case .direct: model.directRate = 1e-6
        case .im2col: model.gemmRate = 1e-6
        default: model.transformRate = 1e-6
        }
        #expect(model.fastest(for: g, threads: 2) != before)
        #expect(ConvolutionCostModel.default.fastest(for: g, threads: 2) == before)
    }

    // MARK: - The file

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("spectralconv-calibration-\(UUID().uuidString)-\(name)").path
    }

    @Test func fileRoundTrips() throws {
        let calibration = try CostModelCalibration.fit(to: [Self.syntheticSweep()])
        let path = Self.temporaryPath("calibration.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try calibration.save(to: path)
        let loaded = try CostModelCalibration.load(from: path)
        #expect(loaded.fits.count == calibration.fits.count && loaded.threads == 2 && loaded.source == calibration.source)
        for fit in calibration.fits {
            let other = try #require(loaded.fit(for: fit.algorithm, pass: fit.pass))
            for (term, value) in fit.coefficients { #expect(other.coefficients[term] == value) }
            #expect(other.samples == fit.samples && other.rmsLogError == fit.rmsLogError)
        }
        // The model from the file predicts exactly what the fitted one does.
        let g = Self.geometries[5]
        #expect(ConvolutionCostModel(calibration: loaded).predictedSeconds(for: g, algorithm: .fft, threads: 2)
                == ConvolutionCostModel(calibration: calibration).predictedSeconds(for: g, algorithm: .fft, threads: 2))
        // The text is the documented JSON.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(object["format"] as? String == "spectralconv-cost-model" && object["version"] as? Int == 1)
        let fits = try #require(object["fits"] as? [[String: Any]])
        #expect(Set(fits[0].keys) == ["algorithm", "pass", "coefficients", "samples", "rms_log_error", "max_log_error"])
    }

    @Test func commandLineLoadingPrefersTheNamedFileThenTheCacheFolder() throws {
        let folder = Self.temporaryPath("cache")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = CacheDirectory(url: URL(fileURLWithPath: folder, isDirectory: true))
        // No file anywhere: the documented default.
        let none = try ConvolutionCostModel.load(calibrationFile: nil, cache: cache)
        #expect(none.file == nil && none.model == .default)
        // A file in the cache folder is used.
        let calibration = try CostModelCalibration.fit(to: [Self.syntheticSweep()])
        try calibration.save(to: cache.calibrationFile.path)
        let cached = try ConvolutionCostModel.load(calibrationFile: nil, cache: cache)
        #expect(cached.file == cache.calibrationFile.path && cached.model.calibration != nil)
        // A named file that does not exist is an error, not a silent default.
        #expect(throws: SpectralConvError.self) { try ConvolutionCostModel.load(calibrationFile: folder + "/missing.json", cache: cache) }
    }

    /// Expects `text` to be refused as a calibration file with a one-line message containing `words`.
    func expectRefused(_ text: String, mentioning words: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: SpectralConvError.self, sourceLocation: sourceLocation) {
            try CostModelCalibration.decode(Data(text.utf8), path: "cal.json")
        }
        guard case .invalidFormat(let path, let reason)? = error else {
            Issue.record("expected invalidFormat, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(path == "cal.json", sourceLocation: sourceLocation)
        for word in words {
            #expect(reason.lowercased().contains(word.lowercased()), "'\(reason)' does not mention '\(word)'", sourceLocation: sourceLocation)
        }
        #expect(reason.contains("bench sweep --calibrate"), sourceLocation: sourceLocation)
        #expect(!error!.description.contains("\n"), sourceLocation: sourceLocation)
    }

    static let validFit = #"{"algorithm": "direct", "pass": "forward", "coefficients": {"direct_flops": 1e-11}}"#

    @Test func damagedFilesAreClearErrors() throws {
        expectRefused("this is not json", mentioning: "not a cost-model calibration file", "invalid JSON")
        expectRefused("{\"format\": \"something-else\", \"version\": 1}", mentioning: "'something-else'", "spectralconv-cost-model")
        expectRefused("{\"format\": \"spectralconv-cost-model\", \"version\": 7, \"threads\": 2, \"fits\": []}", mentioning: "version 7")
        expectRefused("{\"format\": \"spectralconv-cost-model\", \"version\": 1, \"threads\": 2, \"fits\": []}", mentioning: "fits")
        expectRefused(#"{"format": "spectralconv-cost-model", "version": 1, "threads": 2, "fits": [{"algorithm": "winograd", "pass": "forward", "coefficients": {"calls": 1}}]}"#,
                      mentioning: "'winograd'", "direct, im2col, fft")
        expectRefused(#"{"format": "spectralconv-cost-model", "version": 1, "threads": 2, "fits": [{"algorithm": "direct", "pass": "forward", "coefficients": {"transform_flops": 1}}]}"#,
                      mentioning: "unknown term 'transform_flops'")
        expectRefused(#"{"format": "spectralconv-cost-model", "version": 1, "threads": 2, "fits": [{"algorithm": "direct", "pass": "forward", "coefficients": {"direct_flops": -1}}]}"#,
                      mentioning: "direct_flops", "≥ 0")
        expectRefused(#"{"format": "spectralconv-cost-model", "version": 1, "threads": 2, "fits": [\#(Self.validFit)]}"#,
                      mentioning: "no forward fit for im2col")
        expectRefused(#"{"format": "spectralconv-cost-model", "version": 1, "threads": 2, "fits": [{"algorithm": "direct", "pass": "forward", "coefficients": "fast"}]}"#,
                      mentioning: "wrong type")
        // An unreadable file is an I/O error naming it.
        let missing = Self.temporaryPath("missing.json")
        #expect(throws: SpectralConvError.self) { try CostModelCalibration.load(from: missing) }
    }
}
