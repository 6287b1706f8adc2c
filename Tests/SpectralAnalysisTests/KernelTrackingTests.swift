import Foundation
import Testing
import SpectralAnalysis
import SpectralConv

@Suite struct KernelTrackingTests {
    @Test("spectra.jsonl record: one line, the documented keys, labels of known kernels")
    func record() throws {
        // [2, 1, 3, 3]: a box (low-pass) and a Laplacian (high-pass-ish).
        let weights = try Tensor<Double>(shape: [2, 1, 3, 3], scalars: [Double](repeating: 1.0 / 9, count: 9) + [0, -1, 0, -1, 4, -1, 0, -1, 0])
        let record = try LayerSpectraRecord(epoch: 3, layer: "conv1", weights: weights)
        let line = try record.jsonLine()
        #expect(!line.contains("\n") && line.hasPrefix(#"{"epoch":3,"layer":"conv1","kernels":[{"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["epoch", "layer", "kernels", "label_counts"])
        let kernels = try #require(object["kernels"] as? [[String: Any]])
        #expect(kernels.count == 2 && Set(kernels[0].keys) == ["index", "dc_gain", "high_frequency_energy_fraction", "label"])
        #expect(kernels[1]["index"] as? [Int] == [1, 0])
        #expect(abs((kernels[0]["dc_gain"] as? Double ?? 0) - 1) < 1e-12 && abs(kernels[1]["dc_gain"] as? Double ?? 1) < 1e-12)
        #expect(record.kernels[0].label == "low-pass")
        #expect(record.labelCounts.values.reduce(0, +) == 2)
        #expect(try JSONDecoder().decode(LayerSpectraRecord.self, from: Data(line.utf8)) == record)
        #expect(throws: SpectralConvError.self) { try LayerSpectraRecord(epoch: 0, layer: "x", weights: Tensor<Double>(shape: [3, 3])) }
    }
}
