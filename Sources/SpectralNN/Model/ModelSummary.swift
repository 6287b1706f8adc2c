import SpectralConv

/// What ``Sequential/summary(name:)`` reports: one row per layer and the totals, plus a Keras-style
/// text rendering (``text``).
///
/// Receptive field: the input region one unit of a layer's output sees, per axis, found by walking
/// from one unit (`n = 1`) back to the model's input through each layer's ``SpatialEffect``: a
/// window (k the dilated kernel, s the stride) maps `n → (n − 1)·s + k`, a transposed convolution
/// `n → ceil((n − 1 + k) / s)`, elementwise layers change nothing, and Dense makes it the whole input
/// (printed `all`). Without transposed convolutions this is the usual recursion
/// `r ← r + (k − 1)·j`, `j ← j·s` (r = 1, j = 1 at the input).
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
        let effects = layers.map(\.spatialEffect)
        var shape = inputShape
        var rows: [ModelSummary.Row] = []
        for (index, (layer, output)) in zip(layers, outputShapes).enumerated() {
            rows.append(ModelSummary.Row(
                name: layer.name, typeName: layer.typeName, outputShape: output, parameterCount: layer.parameterCount,
                bufferCount: layer.buffers.reduce(0) { $0 + $1.value.count },
                receptiveField: Self.receptiveField(through: effects[...index]),
                flops: layer.forwardFlops(inputShape: shape)))
            shape = output
        }
        return ModelSummary(modelName: name, inputShape: inputShape, rows: rows)
    }

    /// The input units one unit after `effects` sees, per axis (nil: all of them), walking back
    /// from that unit to the model's input (see ``ModelSummary``).
    static func receptiveField(through effects: ArraySlice<SpatialEffect>) -> SpatialPair? {
        var field = SpatialPair(1)
        for effect in effects.reversed() {
            switch effect {
            case .identity: break
            case .global: return nil
            case .window(let kernel, let stride):
                field = SpatialPair(height: (field.height - 1) * stride.height + kernel.height,
                                    width: (field.width - 1) * stride.width + kernel.width)
            case .transposedWindow(let kernel, let stride):
                field = SpatialPair(height: (field.height - 1 + kernel.height + stride.height - 1) / stride.height,
                                    width: (field.width - 1 + kernel.width + stride.width - 1) / stride.width)
            }
        }
        return field
    }
}
