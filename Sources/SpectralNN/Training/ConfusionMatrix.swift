import SpectralConv

/// Counts of (true class, predicted class) pairs: rows are true classes, columns predictions.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// `counts[true][predicted]`.
    public let counts: [[Int]]

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when the lists differ in length, the class
    ///   count is below 1, or a label or prediction is outside `0..<classCount`.
    public init(classCount: Int, labels: [Int], predictions: [Int]) throws(SpectralConvError) {
        guard classCount >= 1 else { throw .invalidArgument("a confusion matrix needs at least one class, got \(classCount)") }
        guard labels.count == predictions.count else {
            throw .invalidArgument("\(labels.count) labels but \(predictions.count) predictions")
        }
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (label, prediction) in zip(labels, predictions) {
            guard (0..<classCount).contains(label), (0..<classCount).contains(prediction) else {
                throw .invalidArgument("class \(label) or prediction \(prediction) is outside 0..<\(classCount)")
            }
            counts[label][prediction] += 1
        }
        self.counts = counts
    }

    /// The number of classes.
    public var classCount: Int { counts.count }
    /// All samples.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Correct predictions over all samples (0 when empty).
    public var accuracy: Double {
        total == 0 ? 0 : Double((0..<classCount).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }
    /// Per true class: correct / samples of that class (nil for a class with no samples) — the recall.
    public var perClassAccuracy: [Double?] {
        counts.enumerated().map { row, values in
            let sum = values.reduce(0, +)
            return sum == 0 ? nil : Double(values[row]) / Double(sum)
        }
    }

    /// A plain-text table: a header of predicted classes, one row per true class, then per-class accuracy.
    public func table(classNames: [String]? = nil) -> String {
        let names = (0..<classCount).map { classNames?.count == classCount ? classNames![$0] : String($0) }
        let width = max(5, (counts.flatMap { $0 }.map { String($0).count }.max() ?? 1) + 1)
        let labelWidth = max(6, (names.map(\.count).max() ?? 1) + 1)
        func pad(_ text: String, _ count: Int) -> String { String(repeating: " ", count: max(0, count - text.count)) + text }
        var lines = [pad("true\\pred", labelWidth) + (0..<classCount).map { pad(String($0), width) }.joined() + pad("acc", 8)]
        let accuracies = perClassAccuracy
        for row in 0..<classCount {
            let accuracy = accuracies[row].map { String(format: "%.4f", $0) } ?? "-"
            lines.append(pad(names[row], labelWidth) + counts[row].map { pad(String($0), width) }.joined() + pad(accuracy, 8))
        }
        return lines.joined(separator: "\n")
    }
}
