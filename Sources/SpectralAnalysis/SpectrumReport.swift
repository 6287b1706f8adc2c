import Foundation
import SpectralConv

/// One analysed kernel: the kernel, its response on the grid and its measures.
public struct KernelSpectrum: Sendable {
    public let kernel: SpectralKernel
    public let response: FrequencyResponse
    public let measures: SpectralMeasures

    /// Computes the response of `kernel` on a `rows × columns` grid (a 1-D kernel uses `1 × columns`)
    /// and measures it.
    public init(kernel: SpectralKernel, rows: Int = FrequencyResponse.defaultGridSize,
                columns: Int = FrequencyResponse.defaultGridSize, thresholds: LabelThresholds = .init()) throws(SpectralConvError) {
        self.kernel = kernel
        response = try FrequencyResponse(kernel: kernel, rows: kernel.isOneDimensional ? 1 : rows, columns: columns)
        measures = SpectralMeasures(kernel: kernel, response: response, thresholds: thresholds)
    }
}

/// The JSON document of `spectralconv spectrum --json`:
///
///     {"kernels": [{"name": …, "index": [o, c] or null, "shape": [kh, kw], "dc_gain": …,
///       "nyquist_gain": …, "peak": {"fx": …, "fy": …, "gain": …},
///       "high_frequency_energy_fraction": …, "orientation": {"angle_degrees": …, "strength": …},
///       "label": …, "magnitude": [[…]] (only with grid values: N rows × M columns, centred),
///       "phase": [[…]] (only with grid values and phase: radians, null where undefined)}, …],
///      "thresholds": {…}}
public struct SpectrumReport: Encodable, Sendable {
    struct Peak: Encodable, Sendable { let fx: Double, fy: Double, gain: Double }
    struct Orientation: Encodable, Sendable {
        let angleDegrees: Double, strength: Double
        enum CodingKeys: String, CodingKey { case angleDegrees = "angle_degrees", strength }
    }
    struct Entry: Encodable, Sendable {
        let name: String, index: [Int]?, shape: [Int], dcGain: Double, nyquistGain: Double, peak: Peak
        let highFrequencyEnergyFraction: Double, orientation: Orientation, label: String, magnitude: [[Double]]?
        let phase: [[Double?]]?
        enum CodingKeys: String, CodingKey {
            case name, index, shape, dcGain = "dc_gain", nyquistGain = "nyquist_gain", peak
            case highFrequencyEnergyFraction = "high_frequency_energy_fraction", orientation, label, magnitude, phase
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(index, forKey: .index)  // null when the kernel is not one of a bank
            try container.encode(shape, forKey: .shape)
            try container.encode(dcGain, forKey: .dcGain)
            try container.encode(nyquistGain, forKey: .nyquistGain)
            try container.encode(peak, forKey: .peak)
            try container.encode(highFrequencyEnergyFraction, forKey: .highFrequencyEnergyFraction)
            try container.encode(orientation, forKey: .orientation)
            try container.encode(label, forKey: .label)
            try container.encodeIfPresent(magnitude, forKey: .magnitude)
            try container.encodeIfPresent(phase, forKey: .phase)
        }
    }
    struct Thresholds: Encodable, Sendable {
        let pass: Double, stop: Double, allPassFlatness: Double, cutoffRadius: Double, directionalStrength: Double
        let reference: String, lowGain: String, highGain: String
        enum CodingKeys: String, CodingKey {
            case pass, stop, allPassFlatness = "all_pass_flatness", cutoffRadius = "cutoff_radius"
            case directionalStrength = "directional_strength", reference, lowGain = "low_gain", highGain = "high_gain"
        }
    }

    let kernels: [Entry]
    let thresholds: Thresholds

    /// The report of `spectra`; `gridValues` adds each centred magnitude grid (in dB when `decibels`)
    /// and, with `phase`, each centred phase grid (``FrequencyResponse/phase(relativeFloor:)``, NaN as null).
    public init(_ spectra: [KernelSpectrum], thresholds: LabelThresholds, gridValues: Bool, decibels: Bool, phase: Bool = false) {
        kernels = spectra.map { spectrum in
            let m = spectrum.measures, response = spectrum.response
            var grid: [[Double]]?, phaseGrid: [[Double?]]?
            if gridValues {
                let values = decibels ? response.magnitudeDecibels() : response.magnitude
                grid = (0..<response.rows).map { Array(values[($0 * response.columns)..<(($0 + 1) * response.columns)]) }
                if phase {
                    let phases = response.phase()
                    phaseGrid = (0..<response.rows).map { row in
                        phases[(row * response.columns)..<((row + 1) * response.columns)].map { $0.isNaN ? nil : $0 }
                    }
                }
            }
            return Entry(name: spectrum.kernel.name, index: spectrum.kernel.index, shape: spectrum.kernel.reportedShape,
                         dcGain: m.dcGain, nyquistGain: m.nyquistGain, peak: Peak(fx: m.peak.fx, fy: m.peak.fy, gain: m.peak.gain),
                         highFrequencyEnergyFraction: m.highFrequencyEnergyFraction,
                         orientation: Orientation(angleDegrees: m.orientationDegrees, strength: m.orientationStrength),
                         label: m.label.rawValue, magnitude: grid, phase: phaseGrid)
        }
        self.thresholds = Thresholds(
            pass: thresholds.pass, stop: thresholds.stop, allPassFlatness: thresholds.flatness,
            cutoffRadius: thresholds.cutoff, directionalStrength: thresholds.directional,
            reference: "G = largest annular average of |H| over 0 <= r <= 1",
            lowGain: "|H(DC)| = |sum of weights|", highGain: "annular average of |H| at r = 1 (nyquist_gain)")
    }

    /// The report as one line of JSON (keys sorted).
    public func jsonString() throws(SpectralConvError) -> String {
        try ReportJSON.encode(self, what: "the spectrum report")
    }

    /// How many kernels got each label, in ``FilterLabel`` order, zero counts left out.
    public static func labelCounts(_ spectra: [KernelSpectrum]) -> [(FilterLabel, Int)] {
        FilterLabel.allCases.compactMap { label in
            let count = spectra.filter { $0.measures.label == label }.count
            return count > 0 ? (label, count) : nil
        }
    }
}
