import Foundation
import SpectralConv
import Yams

/// A model as a JSON or YAML document (the `--model FILE.json|FILE.yaml` of `spectralconv train`,
/// and what a run's `config.json` records):
///
///     {"name": "seed"}                                   a built-in model (``ModelRegistry``)
///     {"input_shape": [1, 28, 28], "layers": [
///        {"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 1, "padding": "valid", "activation": "tanh"},
///        {"type": "maxpool2d", "pool_size": 2}, {"type": "avgpool2d", "pool_size": 2},
///        {"type": "flatten"}, {"type": "dropout", "rate": 0.5}, {"type": "batchnorm2d"},
///        {"type": "dense", "units": 10, "activation": "softmax"},
///        {"type": "relu"}, {"type": "tanh"}, {"type": "sigmoid"}, {"type": "softmax"}]}
///
/// The same document in YAML (keys and values as in JSON):
///
///     input_shape: [1, 28, 28]
///     layers:
///       - {type: conv2d, filters: 4, kernel_size: 5, activation: tanh}
///       - type: flatten
///       - {type: dense, units: 10, activation: softmax}
///
/// Input channels and dense input features are inferred from the previous layer; `activation`
/// appends that activation layer.
public struct ModelDescription: Codable, Sendable, Equatable {
    /// A built-in model name (then `layers` is absent).
    public var name: String?
    /// The per-sample input shape (default: the built-in's, or the data's).
    public var inputShape: [Int]?
    /// The layers, in order.
    public var layers: [LayerDescription]?

    public struct LayerDescription: Codable, Sendable, Equatable {
        public var type: String
        public var filters: Int?
        public var units: Int?
        public var kernelSize: Int?
        public var poolSize: Int?
        public var stride: Int?
        public var padding: String?
        public var activation: String?
        public var rate: Double?

        enum CodingKeys: String, CodingKey {
            case type, filters, units, kernelSize = "kernel_size", poolSize = "pool_size", stride, padding, activation, rate
        }
    }

    enum CodingKeys: String, CodingKey { case name, inputShape = "input_shape", layers }

    public init(name: String? = nil, inputShape: [Int]? = nil, layers: [LayerDescription]? = nil) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    /// The syntaxes a model document can be written in.
    public enum Syntax: Sendable {
        case json
        case yaml

        /// YAML for `.yaml` / `.yml` paths, JSON otherwise.
        public init(path: String) {
            let lowered = path.lowercased()
            self = lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") ? .yaml : .json
        }
    }

    /// Parses a model document, in the syntax its path's extension names (`.yaml`/`.yml`: YAML,
    /// anything else: JSON) unless `syntax` is given.
    /// - Throws: ``SpectralConvError/invalidFormat(path:reason:)``.
    public static func decode(_ data: Data, path: String, syntax: Syntax? = nil) throws(SpectralConvError) -> ModelDescription {
        let description: ModelDescription
        let resolved = syntax ?? Syntax(path: path)
        do {
            switch resolved {
            case .json: description = try JSONDecoder().decode(ModelDescription.self, from: data)
            case .yaml: description = try YAMLDecoder().decode(ModelDescription.self, from: data)
            }
        } catch {
            let expected = resolved == .json
                ? "{\"name\": …} or {\"input_shape\": …, \"layers\": [{\"type\": …}, …]}"
                : "name: … or input_shape: […] with layers: [{type: …}, …]"
            throw .invalidFormat(path: path, reason: "not a \(resolved == .json ? "JSON" : "YAML") model description (\(expected)): \(describe(error))")
        }
        guard (description.name == nil) != (description.layers == nil) else {
            throw .invalidFormat(path: path, reason: "a model description needs exactly one of \"name\" (a built-in) or \"layers\"")
        }
        return description
    }

    /// Builds the model for samples of `inputShape` (overridden by the description's own shape).
    public func build<Scalar: TensorScalar>(inputShape dataShape: [Int]?, seed: UInt64, engine: ConvolutionEngine? = nil,
                                           as _: Scalar.Type = Scalar.self) throws(SpectralConvError) -> Sequential<Scalar> {
        let shape = inputShape ?? dataShape
        if let name { return try ModelRegistry.build(name, inputShape: shape, seed: seed, engine: engine) }
        guard let shape else { throw .invalidArgument("the model description needs \"input_shape\"") }
        var built: [any Layer<Scalar>] = []
        for (position, layer) in (layers ?? []).enumerated() {
            let current = try Sequential<Scalar>(inputShape: shape, layers: built, seed: nil).outputShape
            for existing in built { existing.name = "" }
            func need(_ value: Int?, _ key: String) throws(SpectralConvError) -> Int {
                guard let value else { throw .invalidArgument("layer \(position + 1) (\(layer.type)) needs \"\(key)\"") }
                return value
            }
            let padding = try Padding(parsing: layer.padding ?? "valid")
            switch layer.type.lowercased() {
            case "conv2d":
                guard current.count == 3 else { throw .invalidShape("layer \(position + 1) (conv2d) needs [C, H, W] input, got \(current)") }
                built.append(try Conv2D(inputChannels: current[0], outputChannels: need(layer.filters, "filters"),
                                        kernelSize: SpatialPair(try need(layer.kernelSize, "kernel_size")),
                                        stride: SpatialPair(layer.stride ?? 1), padding: padding))
            case "maxpool2d":
                built.append(try MaxPool2D(poolSize: SpatialPair(layer.poolSize ?? 2), stride: layer.stride.map { SpatialPair($0) }, padding: padding))
            case "avgpool2d":
                built.append(try AvgPool2D(poolSize: SpatialPair(layer.poolSize ?? 2), stride: layer.stride.map { SpatialPair($0) }, padding: padding))
            case "flatten": built.append(Flatten())
            case "dropout": built.append(try Dropout(rate: layer.rate ?? 0.5))
            case "batchnorm2d":
                guard current.count == 3 else { throw .invalidShape("layer \(position + 1) (batchnorm2d) needs [C, H, W] input, got \(current)") }
                built.append(try BatchNorm2D(channels: current[0]))
            case "dense":
                guard current.count == 1 else { throw .invalidShape("layer \(position + 1) (dense) needs a flat input (add a flatten layer), got \(current)") }
                built.append(try Dense(inputFeatures: current[0], outputFeatures: need(layer.units, "units")))
            case "relu", "tanh", "sigmoid", "softmax": built.append(try Self.activation(layer.type))
            default:
                throw .invalidArgument("layer \(position + 1): unknown type '\(layer.type)'; expected conv2d, maxpool2d, avgpool2d, flatten, dropout, batchnorm2d, dense, relu, tanh, sigmoid, softmax")
            }
            if let activation = layer.activation, activation.lowercased() != "linear" { built.append(try Self.activation(activation)) }
        }
        for existing in built { existing.name = "" }
        return try Sequential(inputShape: shape, layers: built, seed: seed, engine: engine)
    }

    /// A one-line account of a decoding error (the coding path and what was wrong).
    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.reduce(into: "") { path, key in
                if let index = key.intValue { path += "[\(index)]" } else { path += (path.isEmpty ? "" : ".") + key.stringValue }
            }
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    private static func activation<Scalar: TensorScalar>(_ name: String) throws(SpectralConvError) -> any Layer<Scalar> {
        switch name.lowercased() {
        case "relu": return ReLU()
        case "tanh": return Tanh()
        case "sigmoid": return Sigmoid()
        case "softmax": return Softmax()
        default: throw .invalidArgument("unknown activation '\(name)'; expected relu, tanh, sigmoid, softmax or linear")
        }
    }
}
