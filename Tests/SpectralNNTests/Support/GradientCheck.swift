import SpectralConv
import SpectralNN
import Testing

/// The bounds the layer tests are held to, stated once.
enum GradientTolerance {
    /// Central-difference step in Float64.
    static let step = 1e-5
    /// `|analytic − numeric| ≤ relative · max(1, max|numeric|)` for every checked element: the
    /// truncation error of a central difference is O(h²) ≈ 1e-10 and the rounding error
    /// ≈ ε·|L|/h ≈ 1e-9 for the losses used here, so 1e-6 leaves a wide margin yet catches any
    /// wrong term (those show up at 1e-2 and above).
    static let relative = 1e-6
    /// Float64 layer output or gradient on one path against the definition or another path,
    /// `max|a − b|` for O(1) values: rounding alone is ≈ 1e-15 (FFT included at these sizes), so
    /// 1e-10 passes any correct path and fails any misplaced term.
    static let forwardDouble = 1e-10
    /// Float32 training step through two different convolution paths: loss and updated weights,
    /// `max|a − b| / max|b|`.
    static let pathAgreementSingle = 1e-4
}

/// Sets element `index` (row-major) of a tensor.
func setElement<S: TensorScalar>(_ tensor: inout Tensor<S>, _ index: Int, _ value: S) {
    tensor.withUnsafeMutableBufferPointer { $0[index] = value }
}

/// At most `limit` element indices of `0..<count`, spread evenly (all when `count ≤ limit`).
func sampledIndices(_ count: Int, limit: Int = 48) -> [Int] {
    count <= limit ? Array(0..<count) : (0..<limit).map { $0 * count / limit }
}

/// Checks a layer's input and parameter gradients against central differences of the scalar loss
/// `L(x) = Σ r ⊙ layer(x)` with a fixed random `r`. `beforeForward` runs before every forward call
/// (to replay a dropout mask).
func checkLayerGradients(
    _ layer: any Layer<Double>, input: Tensor<Double>, training: Bool = true, beforeForward: () -> Void = {},
    _ context: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    beforeForward()
    let output = try layer.forward(input, training: training)
    let weights = Tensor<Double>.uniform(shape: output.shape, in: -1...1, seed: 99)
    let inputGradient = try layer.backward(weights)
    let parameterGradients = layer.parameters.map(\.gradient)

    func loss(_ x: Tensor<Double>) throws -> Double {
        beforeForward()
        let y = try layer.forward(x, training: training)
        return zip(y.scalars, weights.scalars).reduce(0) { $0 + $1.0 * $1.1 }
    }
    let h = GradientTolerance.step
    func compare(_ analytic: Tensor<Double>, numeric: [(Int, Double)], what: String) {
        let scale = max(1, numeric.map { abs($0.1) }.max() ?? 0)
        let worst = numeric.map { abs(analytic.scalars[$0.0] - $0.1) }.max() ?? 0
        #expect(worst <= GradientTolerance.relative * scale,
                "\(context): \(what) gradient off by \(worst) (scale \(scale))", sourceLocation: sourceLocation)
    }

    var numericInput: [(Int, Double)] = []
    for index in sampledIndices(input.count) {
        var plus = input, minus = input
        setElement(&plus, index, input.scalars[index] + h)
        setElement(&minus, index, input.scalars[index] - h)
        numericInput.append((index, (try loss(plus) - loss(minus)) / (2 * h)))
    }
    compare(inputGradient, numeric: numericInput, what: "input")

    for (parameter, analytic) in zip(layer.parameters, parameterGradients) {
        let original = parameter.value
        var numeric: [(Int, Double)] = []
        for index in sampledIndices(original.count) {
            var plus = original, minus = original
            setElement(&plus, index, original.scalars[index] + h)
            setElement(&minus, index, original.scalars[index] - h)
            parameter.value = plus
            let up = try loss(input)
            parameter.value = minus
            let down = try loss(input)
            numeric.append((index, (up - down) / (2 * h)))
        }
        parameter.value = original
        compare(analytic, numeric: numeric, what: parameter.name)
    }
}
