import SpectralConv

/// What ``Sequential/summary(name:)`` reports: one row per layer and the totals, plus a Keras-style
/// text rendering (``text``).
///
/// Receptive field: the input region one unit of a layer's output sees, by the recursion over the
/// layers `r ← r + (k − 1)·j`, `j ← j·s` (r = 1, j = 1 at the input; k the dilated window, s the
/// stride; elementwise layers change nothing; Dense makes it the whole input, printed `all`).
/// FLOPs: forward floating-point operations per sample, multiply-add = 2 (see each layer's
/// ``Layer/forwardFlops(inputShape:)``).
public struct ModelSummary: Sendable, Equatable {
    /// One layer.
    public struct Row: Sendable, Equatable {
        public let name: String
        public let typeName: String
        /// Per-sample output shape.
        public let outputShape: [Int]
        /// Trainable scalars.
        public let parameterCount: Int
        /// Non-trainable scalars (BatchNorm's running statistics).
        public let bufferCount: Int
        /// Receptive field (height, width) in input units, or nil when it is the whole input.
        public let receptiveField: SpatialPair?
        /// Forward FLOPs per sample.
        public let flops: Double
    }

    public let modelName: String
    public let inputShape: [Int]
    public let rows: [Row]

    /// Trainable scalars of the whole model.
    public var trainableParameterCount: Int { rows.reduce(0) { $0 + $1.parameterCount } }
    /// Non-trainable scalars of the whole model.
    public var nonTrainableParameterCount: Int { rows.reduce(0) { $0 + $1.bufferCount } }
    /// Forward FLOPs per sample of the whole model.
    public var totalFlops: Double { rows.reduce(0) { $0 + $1.flops } }

    /// The Keras-style table: `Layer (type) | Output Shape | Param #`, then receptive field and FLOPs.
    public var text: String {
        let header = ["Layer (type)", "Output Shape", "Param #", "Receptive field", "FLOPs"]
        let isOneDimensional = inputShape.count == 2
        let cells = rows.map { row in
            [
                "\(row.name) (\(row.typeName))",
                "(None, " + row.outputShape.map(String.init).joined(separator: ", ") + ")",
                Self.grouped(row.parameterCount + row.bufferCount),
                row.receptiveField.map { isOneDimensional ? "\($0.width)" : "\($0.height)×\($0.width)" } ?? "all",
                Self.grouped(Int(row.flops.rounded())),
            ]
        }
        let widths = header.indices.map { column in max(header[column].count, cells.map { $0[column].count }.max() ?? 0) + 3 }
        func line(_ values: [String]) -> String {
            values.enumerated().map { $1.padding(toLength: widths[$0]) }.joined().trimmedTrailing
        }
        let width = widths.reduce(0, +)
        var lines = ["Model: \"\(modelName)\"", "Input: (None, " + inputShape.map(String.init).joined(separator: ", ") + ")"]
        lines.append(String(repeating: "─", count: width))
        lines.append(line(header))
        lines.append(String(repeating: "═", count: width))
        for (index, row) in cells.enumerated() {
            lines.append(line(row))
            if index < cells.count - 1 { lines.append(String(repeating: "─", count: width)) }
        }
        lines.append(String(repeating: "═", count: width))
        let total = trainableParameterCount + nonTrainableParameterCount
        lines.append("Total params: \(Self.grouped(total))")
        lines.append("Trainable params: \(Self.grouped(trainableParameterCount))")
        lines.append("Non-trainable params: \(Self.grouped(nonTrainableParameterCount))")
        lines.append("Forward FLOPs per sample: \(Self.grouped(Int(totalFlops.rounded())))")
        lines.append(String(repeating: "─", count: width))
        return lines.joined(separator: "\n")
    }

    /// `35754` → `35,754`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    fileprivate var trimmedTrailing: String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}

extension Sequential {
    /// The model's summary: shapes, parameter counts, receptive fields and FLOPs per layer.
    public func summary(name: String = "sequential") -> ModelSummary {
        var field: SpatialPair? = SpatialPair(1)
        var jump = SpatialPair(1)
        var shape = inputShape
        var rows: [ModelSummary.Row] = []
        for (layer, output) in zip(layers, outputShapes) {
            switch layer.spatialEffect {
            case .identity: break
            case .global: field = nil
            case .window(let kernel, let stride):
                field = field.map {
                    SpatialPair(height: $0.height + (kernel.height - 1) * jump.height, width: $0.width + (kernel.width - 1) * jump.width)
                }
                jump = SpatialPair(height: jump.height * stride.height, width: jump.width * stride.width)
            }
            rows.append(ModelSummary.Row(
                name: layer.name, typeName: layer.typeName, outputShape: output, parameterCount: layer.parameterCount,
                bufferCount: layer.buffers.reduce(0) { $0 + $1.value.count }, receptiveField: field,
                flops: layer.forwardFlops(inputShape: shape)))
            shape = output
        }
        return ModelSummary(modelName: name, inputShape: inputShape, rows: rows)
    }
}
