import SpectralConv
import SpectralNN
import Testing
import SpectralTestSupport

@Suite("Typed errors for invalid hyper-parameters and shapes")
struct ErrorTests {
    @Test func layerHyperParameters() {
        expectError(.invalidArgument, mentioning: "groups", "divide") { _ = try Conv2D<Float>(inputChannels: 3, outputChannels: 4, kernelSize: 3, groups: 2) }
        expectError(.invalidArgument, mentioning: "kernelSize") { _ = try Conv2D<Float>(inputChannels: 1, outputChannels: 1, kernelSize: 0) }
        expectError(.invalidArgument, mentioning: "stride") { _ = try Conv1D<Float>(inputChannels: 1, outputChannels: 1, kernelSize: 3, stride: 0) }
        expectError(.invalidArgument, mentioning: "Conv1D", "left and right") {
            _ = try Conv1D<Float>(inputChannels: 1, outputChannels: 1, kernelSize: 3, padding: .symmetric(1))
        }
        expectError(.invalidArgument, mentioning: "outputFeatures") { _ = try Dense<Float>(inputFeatures: 3, outputFeatures: 0) }
        expectError(.invalidArgument, mentioning: "rate") { _ = try Dropout<Float>(rate: 1) }
        expectError(.invalidArgument, mentioning: "padding", "half") { _ = try MaxPool2D<Float>(poolSize: 2, padding: .symmetric(2)) }
        expectError(.invalidArgument, mentioning: "full") { _ = try AvgPool2D<Float>(poolSize: 2, padding: .full) }
        expectError(.invalidArgument, mentioning: "momentum") { _ = try BatchNorm2D<Float>(channels: 2, momentum: 2) }
        expectError(.invalidArgument, mentioning: "channels") { _ = try PReLU<Float>(channels: 0) }
    }

    @Test func optimiserHyperParameters() {
        expectError(.invalidArgument, mentioning: "learning rate") { _ = try SGD<Float>(learningRate: -1) }
        expectError(.invalidArgument, mentioning: "momentum") { _ = try SGD<Float>(momentum: 1.5) }
        expectError(.invalidArgument, mentioning: "decay") { _ = try Adam<Float>(decay: -0.1) }
        expectError(.invalidArgument, mentioning: "beta1") { _ = try Adam<Float>(beta1: 1) }
        expectError(.invalidArgument, mentioning: "rho") { _ = try Adadelta<Float>(rho: 1) }
        expectError(.invalidArgument, mentioning: "epsilon") { _ = try Adagrad<Float>(epsilon: -1) }
    }

    @Test func modelShapes() {
        expectError(.invalidShape, mentioning: "dense1", "Dense", "[10]") {
            _ = try Sequential<Float>(inputShape: [1, 4, 4], layers: [Flatten(), try Dense(inputFeatures: 10, outputFeatures: 2)])
        }
        expectError(.invalidShape, mentioning: "conv3", "larger than the padded input") {
            _ = try ModelRegistry.build("seed", inputShape: [1, 10, 10], as: Float.self)
        }
        expectError(.invalidShape, mentioning: "[C, H, W]") { _ = try ModelRegistry.build("seed", inputShape: [784], as: Float.self) }
        expectError(.invalidArgument, mentioning: "unknown model", "seed") { _ = try ModelRegistry.build("lenet", as: Float.self) }
        expectError(.invalidArgument, mentioning: "named 'x'") {
            _ = try Sequential<Float>(inputShape: [3], layers: [ReLU(name: "x"), Tanh(name: "x")])
        }
        expectError(.invalidShape, mentioning: "channels") {
            _ = try Sequential<Float>(inputShape: [3, 4, 4], layers: [try BatchNorm2D(channels: 2)])
        }
    }

    @Test func batchesAndLabels() throws {
        let model: Sequential<Float> = try ModelRegistry.build("seed")
        expectError(.invalidShape, mentioning: "[1, 28, 28]") { _ = try model.forward(Tensor(shape: [2, 1, 27, 28])) }
        expectError(.invalidShape, mentioning: "labels") { _ = try model.computeGradients(input: Tensor(shape: [2, 1, 28, 28]), labels: [1]) }
        expectError(.invalidArgument, mentioning: "label 10") { _ = try model.computeGradients(input: Tensor(shape: [1, 1, 28, 28]), labels: [10]) }
        expectError(.invalidShape, mentioning: "mean squared error") {
            _ = try MeanSquaredError.evaluate(prediction: Tensor<Float>(shape: [2]), target: Tensor<Float>(shape: [3]))
        }
        let dense = try Dense<Float>(inputFeatures: 2, outputFeatures: 2)
        _ = try dense.forward(Tensor(shape: [1, 2]), training: true)
        expectError(.invalidShape, mentioning: "output gradient") { _ = try dense.backward(Tensor(shape: [3, 2])) }
    }
}
