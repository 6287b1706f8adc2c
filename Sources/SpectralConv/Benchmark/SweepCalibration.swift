import Foundation

extension CostModelCalibration {
    /// Fits a calibration to the measured concrete-path rows of sweep reports (``CostModelFit``:
    /// one joint fit of the three paths per pass, with one load factor per layer): forward medians
    /// for every path, and with `--backward` sweeps the input- and weight-gradient medians too.
    /// Each row's layer is rebuilt from its columns (channels, size, kernel, batch, padding) and the
    /// report's thread count, so the fit sees the same terms the model predicts with. Each fit then
    /// keeps its measurements' residuals as a local correction (``CostModelCorrection``) when that
    /// predicts left-out measurements better than the terms alone. The FFT terms are counted on the
    /// layouts the sweep ran — laid out with the first report's transform-cost table
    /// (``SweepReport/Config/fftLengths``), which the calibration keeps.
    ///
    /// - Parameters:
    ///   - reports: one or more sweeps (their rows are pooled).
    ///   - prior: the model whose coefficients start and regularise the fit (the documented default).
    ///   - created: the calibration's time stamp.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when some path has no forward measurement.
    public static func fit(to reports: [SweepReport], prior: ConvolutionCostModel = .default, created: Date = Date()) throws(SpectralConvError) -> CostModelCalibration {
        var samples: [ConvolutionPass: [CostModelFit.Sample]] = [:]
        var layers: [ConvolutionPass: [CostModelCorrection.Layer]] = [:]   // parallel to samples
        var groups: [String: Int] = [:]
        let lengthCosts = reports.first?.config.fftLengths
        for (reportIndex, report) in reports.enumerated() {
            let threads = report.config.threads
            for row in report.rows where row.isConcrete && row.status == .measured {
                guard let algorithm = ConvolutionAlgorithm(rawValue: row.algorithm) else { continue }
                let geometry = try ConvolutionGeometry(
                    inputShape: [row.batch, row.channels, row.size, row.size],
                    weightShape: [row.channels, row.channels, row.kernel, row.kernel],
                    options: ConvolutionOptions(padding: try Padding(parsing: row.padding)))
                // One load factor per layer and report (the paths of a layer are measured together).
                let groupKey = "\(reportIndex) \(row.point) \(row.batch) \(row.padding)"
                let group = groups[groupKey] ?? groups.count
                groups[groupKey] = group
                let measured: [(ConvolutionPass, Double?)] = [
                    (.forward, row.medianMs),
                    (.backwardInput, row.backwardStatus == .measured ? row.backwardInputMedianMs : nil),
                    (.backwardWeight, row.backwardStatus == .measured ? row.backwardWeightMedianMs : nil),
                ]
                for (pass, milliseconds) in measured {
                    guard let milliseconds, milliseconds > 0 else { continue }
                    let terms = ConvolutionCostTerms.of(geometry, algorithm: algorithm, pass: pass, threads: threads, lengthCosts: lengthCosts)
                    samples[pass, default: []].append(.init(algorithm: algorithm, terms: terms, seconds: milliseconds / 1e3, group: group))
                    layers[pass, default: []].append(CostModelCorrection.Layer(geometry, threads: threads, lengthCosts: lengthCosts))
                }
            }
        }
        for algorithm in ConvolutionAlgorithm.concrete where !(samples[.forward] ?? []).contains(where: { $0.algorithm == algorithm }) {
            throw .invalidArgument("cannot calibrate: no forward measurement of \(algorithm) in the sweep; sweep every concrete path (direct, im2col, fft)")
        }
        let priors = Dictionary(uniqueKeysWithValues: ConvolutionAlgorithm.concrete.map { ($0, prior.rateCoefficients(for: $0)) })
        var fits: [Fit] = []
        for pass in ConvolutionPass.allCases {
            guard let passSamples = samples[pass], !passSamples.isEmpty else { continue }
            let results = try CostModelFit.fit(samples: passSamples, priors: priors)
            let passLayers = layers[pass] ?? []
            for algorithm in ConvolutionAlgorithm.concrete {
                guard let result = results[algorithm] else { continue }
                let residuals = passSamples.indices.compactMap { index -> CostModelCorrection.Residual? in
                    let sample = passSamples[index]
                    guard sample.algorithm == algorithm else { return nil }
                    let predicted = ConvolutionCostModel.seconds(sample.terms, result.coefficients)
                    guard predicted > 0, sample.seconds > 0 else { return nil }
                    return .init(layer: passLayers[index], logRatio: log(sample.seconds / predicted))
                }
                fits.append(Fit(algorithm: algorithm, pass: pass, coefficients: result.coefficients, samples: result.samples,
                                rmsLogError: result.rmsLogError, maxLogError: result.maxLogError,
                                correction: CostModelCorrection.fitted(residuals: residuals, fftLayout: algorithm == .fft)))
            }
        }
        let first = reports.first?.config
        let source = reports.map { report in
            let c = report.config
            return "bench sweep: kernels \(list(c.kernels)), sizes \(list(c.sizes)), channels \(list(c.channels)), batch \(c.batch), padding \(c.padding), \(c.threads) threads\(c.backward ? ", backward" : "")"
        }.joined(separator: "; ")
        let formatter = ISO8601DateFormatter()
        return CostModelCalibration(fits: fits, threads: first?.threads ?? 1, created: formatter.string(from: created), source: source,
                                    fftLengths: lengthCosts)
    }

    private static func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }
}
