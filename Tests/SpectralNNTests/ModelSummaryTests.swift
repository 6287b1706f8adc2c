import SpectralConv
import SpectralNN
import Testing

@Suite("Sequential shapes and summary")
struct ModelSummaryTests {
    @Test func seedNetworkShapesAndParameterCounts() throws {
        let model: Sequential<Float> = try ModelRegistry.build("seed")
        let summary = model.summary(name: "seed")
        // Shapes of the layers that change the shape (activations keep theirs).
        var shapes: [[Int]] = []
        for row in summary.rows where row.outputShape != shapes.last { shapes.append(row.outputShape) }
        #expect(shapes == [[4, 24, 24], [8, 22, 22], [8, 11, 11], [16, 9, 9], [16, 4, 4], [256], [128], [10]])
        let counts = summary.rows.map(\.parameterCount).filter { $0 > 0 }
        #expect(counts == [104, 296, 1168, 32896, 1290])
        #expect(summary.trainableParameterCount == 35_754)
        #expect(model.parameterCount == 35_754)
        #expect(summary.nonTrainableParameterCount == 0)
        #expect(summary.text.contains("Total params: 35,754"))
        #expect(summary.text.contains("conv1 (Conv2D)"))
        #expect(summary.text.contains("(None, 16, 4, 4)"))
    }

    @Test func seedNetworkReceptiveFieldsAndFlops() throws {
        let summary = try ModelRegistry.build("seed", as: Float.self).summary()
        let fields = summary.rows.map { $0.receptiveField.map { "\($0.height)x\($0.width)" } ?? "all" }
        #expect(fields == ["5x5", "5x5", "7x7", "7x7", "8x8", "12x12", "12x12", "14x14", "14x14", "all", "all", "all", "all"])
        // conv1: 2·4·1·24·24·5·5 multiply-add FLOPs plus 4·24·24 bias additions.
        #expect(summary.rows[0].flops == Double(2 * 4 * 24 * 24 * 25 + 4 * 24 * 24))
        // dense1: 2·256·128 + 128.
        #expect(summary.rows[9].flops == Double(2 * 256 * 128 + 128))
    }

    @Test func namesAreAssignedAndParametersAddressable() throws {
        let model: Sequential<Float> = try ModelRegistry.build("seed")
        #expect(model.namedParameters.map(\.name) == [
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias",
            "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias",
        ])
        #expect(model.parameter(named: "dense1.weight")?.shape == [128, 256])
        #expect(model.parameter(named: "conv2.weight")?.shape == [8, 4, 3, 3])
        #expect(model.parameter(named: "conv9.weight") == nil)
    }

    @Test func otherInputShapesAndBatchNormBuffers() throws {
        let model: Sequential<Float> = try ModelRegistry.build("seed", inputShape: [3, 32, 32])
        #expect(model.outputShapes[8] == [16 * 5 * 5])
        #expect(model.parameter(named: "dense1.weight")?.shape == [128, 400])
        let withNorm = try Sequential<Float>(inputShape: [2, 6, 6], layers: [
            try Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: .same), try BatchNorm2D(channels: 3),
            try PReLU(channels: 3), try AvgPool2D(poolSize: 2), try Dropout(rate: 0.5), Flatten(),
        ])
        #expect(withNorm.outputShape == [27])
        let summary = withNorm.summary()
        #expect(summary.nonTrainableParameterCount == 6)
        #expect(summary.trainableParameterCount == 3 * 2 * 9 + 3 + 6 + 3)
        #expect(withNorm.namedBuffers.map(\.name) == ["batchnorm1.runningMean", "batchnorm1.runningVariance"])
    }

    @Test func conv1DShapes() throws {
        let model = try Sequential<Float>(inputShape: [2, 50], layers: [
            try Conv1D(inputChannels: 2, outputChannels: 4, kernelSize: 5, stride: 2), ReLU(), Flatten(),
        ])
        #expect(model.outputShapes == [[4, 23], [4, 23], [92]])
        #expect(model.summary().rows[0].receptiveField == SpatialPair(height: 1, width: 5))
        let y = try model.forward(.uniform(shape: [3, 2, 50], seed: 1))
        #expect(y.shape == [3, 92])
    }
}
