import Foundation
import SpectralConv

/// One line of a training run's `spectra.jsonl`: the frequency statistics of every kernel of one
/// convolution layer after one epoch —
///
///     {"epoch":1,"layer":"conv1","kernels":[{"index":[o,c],"dc_gain":…,"high_frequency_energy_fraction":…,"label":"low-pass"},…],
///      "label_counts":{"low-pass":3,"band-pass":1}}
///
/// computed with ``KernelSpectrum`` (the same ``FrequencyResponse``/``SpectralMeasures`` as
/// `spectralconv spectrum`, default grid and ``LabelThresholds``). Weights `[O, C, kH, kW]` (Conv2D),
/// `[O, C, K]` (Conv1D; 1-D kernels) or, for a transposed convolution, `[C, O, kH, kW]` — `index`
/// is then `[c, o]`: the first two axes as stored.
public struct LayerSpectraRecord: Codable, Sendable, Equatable {
    public struct Kernel: Codable, Sendable, Equatable {
        public let index: [Int]
        public let dcGain: Double
        public let highFrequencyEnergyFraction: Double
        public let label: String

        enum CodingKeys: String, CodingKey {
            case index, dcGain = "dc_gain", highFrequencyEnergyFraction = "high_frequency_energy_fraction", label
        }
    }

    public let epoch: Int
    public let layer: String
    public let kernels: [Kernel]
    /// How many kernels carry each label (only labels that occur).
    public let labelCounts: [String: Int]

    enum CodingKeys: String, CodingKey { case epoch, layer, kernels, labelCounts = "label_counts" }

    /// Measures every kernel of `weights` (rank 3 or 4).
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` for another rank.
    public init(epoch: Int, layer: String, weights: Tensor<Double>, gridSize: Int = FrequencyResponse.defaultGridSize,
                thresholds: LabelThresholds = .init()) throws(SpectralConvError) {
        guard weights.rank == 3 || weights.rank == 4 else {
            throw .invalidShape("\(layer): convolution weights must be [O, C, K] or [O, C, kH, kW], got \(weights.shape)")
        }
        var kernels: [Kernel] = [], counts: [String: Int] = [:]
        for kernel in try KernelSpecification.kernels(from: weights, source: layer) {
            let spectrum = try KernelSpectrum(kernel: kernel, rows: gridSize, columns: gridSize, thresholds: thresholds)
            let label = spectrum.measures.label.rawValue
            kernels.append(Kernel(index: kernel.index ?? [], dcGain: spectrum.measures.dcGain,
                                  highFrequencyEnergyFraction: spectrum.measures.highFrequencyEnergyFraction, label: label))
            counts[label, default: 0] += 1
        }
        self.epoch = epoch
        self.layer = layer
        self.kernels = kernels
        self.labelCounts = counts
    }

    /// The record as one compact JSON line (no trailing newline; keys sorted within objects except
    /// that the top level reads epoch, layer, kernels, label_counts).
    public func jsonLine() throws(SpectralConvError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func encode<T: Encodable>(_ value: T) throws(SpectralConvError) -> String {
            guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else {
                throw .invalidArgument("cannot encode the spectra of \(layer)")
            }
            return text
        }
        let layerText = try encode(layer)
        return "{\"epoch\":\(epoch),\"layer\":\(layerText),\"kernels\":\(try encode(kernels)),\"label_counts\":\(try encode(labelCounts))}"
    }
}
