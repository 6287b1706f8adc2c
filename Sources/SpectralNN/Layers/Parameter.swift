import SpectralConv

/// A trainable tensor and its gradient, shared by reference between a layer and an optimiser.
public final class Parameter<Scalar: TensorScalar> {
    /// The local name within its layer (`weight`, `bias`, `slope`, `gamma`, `beta`, …).
    public let name: String
    /// The current value.
    public var value: Tensor<Scalar>
    /// `dL/dvalue` from the last backward pass (same shape as ``value``; zeros before the first).
    public var gradient: Tensor<Scalar>

    public init(name: String, value: Tensor<Scalar>) {
        self.name = name
        self.value = value
        self.gradient = Tensor(shape: value.shape)
    }

    /// The parameter's shape.
    public var shape: [Int] { value.shape }

    /// A new parameter with the same name and value (copy-on-write: the storage is shared until
    /// either side assigns or mutates it) and a zero gradient — for a layer's replica.
    public func replica() -> Parameter {
        Parameter(name: name, value: value)
    }
}

/// A parameter together with its model-qualified name (`conv1.weight`).
public struct NamedParameter<Scalar: TensorScalar> {
    /// `layerName.parameterName`.
    public let name: String
    /// The parameter itself (a reference: updating it updates the layer).
    public let parameter: Parameter<Scalar>

    public init(name: String, parameter: Parameter<Scalar>) {
        self.name = name
        self.parameter = parameter
    }
}
