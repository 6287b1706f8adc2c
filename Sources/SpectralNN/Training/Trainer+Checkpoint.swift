import Foundation
import SpectralConv

/// Checkpoints: one safetensors file (see ``SafetensorsWriter``) holding
///
/// - every parameter and buffer under its model name (`conv1.weight`, `dense2.bias`, …) in the
///   model's precision (F32 for Float) — what Python's `safetensors.numpy.load_file` sees as the weights;
/// - the optimiser state as F64 tensors `optimizer/<parameter>/<slot>` (Double, as the optimiser keeps it);
/// - `__metadata__`: `format` = `spectralconv-checkpoint-1`, `optimizer` (its type), `optimizer_iterations`,
///   `seed`, `progress` (``TrainingProgress`` as JSON: finished epochs, position and running sums in
///   the current epoch, history), and `random/<layer>` for layers with their own stream (``Dropout``).
///
/// With the shuffle a function of (seed, epoch) and augmentation seeded by (epoch, batch), that is the
/// whole state: a run resumed from a checkpoint continues exactly as if it had not stopped.
extension Trainer {
    /// The checkpoint format tag in the metadata.
    public static var checkpointFormat: String { "spectralconv-checkpoint-1" }

    /// The checkpoint's bytes as a writer (add more tensors or metadata before writing if needed).
    public func checkpoint() throws(SpectralConvError) -> SafetensorsWriter {
        var writer = SafetensorsWriter()
        for named in model.namedParameters + model.namedBuffers { writer.add(named.name, named.parameter.value) }
        let slots = optimizer.stateSlots
        for name in slots.keys.sorted() {
            for (index, slot) in slots[name]!.enumerated() {
                writer.add("optimizer/\(name)/\(index)", try Tensor<Double>(shape: [slot.count], scalars: slot))
            }
        }
        writer.metadata["format"] = Self.checkpointFormat
        writer.metadata["optimizer"] = String(describing: type(of: optimizer))
        writer.metadata["optimizer_iterations"] = String(optimizer.iterations)
        writer.metadata["seed"] = String(seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(progress), let text = String(data: json, encoding: .utf8) else {
            throw .invalidArgument("cannot encode the training progress")
        }
        writer.metadata["progress"] = text
        for layer in model.layers {
            if let random = layer as? RandomStreamLayer { writer.metadata["random/\(layer.name)"] = String(random.randomState) }
        }
        return writer
    }

    /// Writes ``checkpoint()`` to `path` atomically.
    public func saveCheckpoint(to path: String) throws(SpectralConvError) {
        try checkpoint().write(to: path)
    }

    /// Restores weights, buffers, optimiser state, progress and random streams from the checkpoint
    /// at `path`, written by a trainer with the same model and optimiser type.
    /// - Throws: ``SpectralConvError/invalidFormat(path:reason:)`` when the file is not such a
    ///   checkpoint, lacks a tensor the model has, or a shape differs; `io` when unreadable.
    public func restoreCheckpoint(from path: String) throws(SpectralConvError) {
        let file = try SafetensorsFile(contentsOf: path)
        try restoreCheckpoint(file)
    }

    /// Restores from a parsed checkpoint (see ``restoreCheckpoint(from:)``).
    public func restoreCheckpoint(_ file: SafetensorsFile) throws(SpectralConvError) {
        let path = file.path
        guard file.metadata["format"] == Self.checkpointFormat else {
            throw .invalidFormat(path: path, reason: "not a spectralconv training checkpoint (metadata format is \(file.metadata["format"] ?? "missing"))")
        }
        let optimizerType = String(describing: type(of: optimizer))
        guard file.metadata["optimizer"] == optimizerType else {
            throw .invalidFormat(path: path, reason: "the checkpoint was written with optimiser \(file.metadata["optimizer"] ?? "?"), this run uses \(optimizerType)")
        }
        guard let iterations = file.metadata["optimizer_iterations"].flatMap(Int.init),
              let progressText = file.metadata["progress"],
              let decoded = try? JSONDecoder().decode(TrainingProgress.self, from: Data(progressText.utf8)) else {
            throw .invalidFormat(path: path, reason: "the checkpoint's metadata lacks optimizer_iterations or a valid progress record")
        }
        var values: [(Parameter<Scalar>, Tensor<Scalar>)] = []
        for named in model.namedParameters + model.namedBuffers {
            guard file.entries[named.name] != nil else {
                throw .invalidFormat(path: path, reason: "the checkpoint has no tensor '\(named.name)'; was it written for another model?")
            }
            let value = try file.tensor(named: named.name, as: Scalar.self)
            guard value.shape == named.parameter.shape else {
                throw .invalidFormat(path: path, reason: "tensor '\(named.name)' has shape \(value.shape); the model's is \(named.parameter.shape)")
            }
            values.append((named.parameter, value))
        }
        var slots: [String: [[Double]]] = [:]
        for name in file.entries.keys where name.hasPrefix("optimizer/") {
            let parts = name.dropFirst("optimizer/".count).split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 2, let index = Int(parts.last!) else { continue }
            let parameter = parts.dropLast().joined(separator: "/")
            let tensor = try file.tensor(named: name, as: Double.self)
            var list = slots[parameter] ?? []
            while list.count <= index { list.append([]) }
            list[index] = tensor.scalars
            slots[parameter] = list
        }
        do { try optimizer.restore(iterations: iterations, stateSlots: slots) } catch {
            throw .invalidFormat(path: path, reason: "optimiser state: \(error.description)")
        }
        for (parameter, value) in values { parameter.value = value }
        for layer in model.layers {
            if let random = layer as? RandomStreamLayer, let state = file.metadata["random/\(layer.name)"].flatMap(UInt64.init) {
                random.randomState = state
            }
        }
        progress = decoded
    }

    /// Loads only the weights and buffers of a checkpoint into `model` (for evaluation).
    public static func loadWeights(into model: Sequential<Scalar>, from path: String) throws(SpectralConvError) {
        let file = try SafetensorsFile(contentsOf: path)
        for named in model.namedParameters + model.namedBuffers {
            guard file.entries[named.name] != nil else {
                throw .invalidFormat(path: path, reason: "the checkpoint has no tensor '\(named.name)'; was it written for another model?")
            }
            let value = try file.tensor(named: named.name, as: Scalar.self)
            guard value.shape == named.parameter.shape else {
                throw .invalidFormat(path: path, reason: "tensor '\(named.name)' has shape \(value.shape); the model's is \(named.parameter.shape)")
            }
            named.parameter.value = value
        }
    }
}
