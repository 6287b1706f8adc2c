import Foundation
import SpectralConv

/// A run's `history.json` and `history.csv`:
///
///     {"epochs": [{"epoch": 1, "loss": …, "accuracy": …, "val_loss": …, "val_accuracy": …, "seconds": …}, …],
///      "test_accuracy": …}
///
/// Keys in exactly that order; a missing value (no validation data, no test yet) is `null` in JSON
/// and an empty field in CSV (header `epoch,loss,accuracy,val_loss,val_accuracy,seconds`). Numbers
/// are printed in Swift's shortest round-trip form.
public struct TrainingHistory: Codable, Sendable, Equatable {
    public var epochs: [EpochMetrics]
    public var testAccuracy: Double?

    public init(epochs: [EpochMetrics], testAccuracy: Double? = nil) {
        self.epochs = epochs
        self.testAccuracy = testAccuracy
    }

    enum CodingKeys: String, CodingKey { case epochs, testAccuracy = "test_accuracy" }

    /// The CSV columns, in order.
    public static let columns = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"]

    /// The JSON document (one epoch per line).
    public var json: String {
        let rows = epochs.map { metrics in
            "{\"epoch\": \(metrics.epoch), \"loss\": \(Self.number(metrics.loss)), \"accuracy\": \(Self.number(metrics.accuracy)), "
                + "\"val_loss\": \(Self.number(metrics.valLoss)), \"val_accuracy\": \(Self.number(metrics.valAccuracy)), "
                + "\"seconds\": \(Self.number(metrics.seconds))}"
        }
        let list = rows.isEmpty ? "[]" : "[\n    " + rows.joined(separator: ",\n    ") + "\n  ]"
        return "{\n  \"epochs\": \(list),\n  \"test_accuracy\": \(Self.number(testAccuracy))\n}\n"
    }

    /// The CSV table with a header line.
    public var csv: String {
        var lines = [Self.columns.joined(separator: ",")]
        for m in epochs {
            lines.append([String(m.epoch), Self.field(m.loss), Self.field(m.accuracy), Self.field(m.valLoss), Self.field(m.valAccuracy),
                          Self.field(m.seconds)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a `history.json` document.
    /// - Throws: ``SpectralConvError/invalidFormat(path:reason:)``.
    public static func decode(_ data: Data, path: String) throws(SpectralConvError) -> TrainingHistory {
        do { return try JSONDecoder().decode(TrainingHistory.self, from: data) } catch {
            throw .invalidFormat(path: path, reason: "not a training history: \(error)")
        }
    }

    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return "\(value)"
    }

    static func field(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return "\(value)"
    }
}
