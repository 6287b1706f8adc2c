import SpectralConv
import SpectralNN
import Testing

/// The speed paths of the layers against plain definitions: vectorised 2×2 max pooling, Dense
/// through BLAS in row blocks, thread-count independence, and the training backward that skips the
/// first layer's input gradient.
@Suite("Layer fast paths")
struct LayerFastPathTests {
    /// Max pooling by the definition (first maximum in row-major order, strict `>` from −∞).
    static func referenceMaxPool(_ x: Tensor<Float>, size: Int, stride: Int) -> (values: [Float], argmax: [Int]) {
        let (maps, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = ((h - size) / stride + 1, (w - size) / stride + 1)
        var values: [Float] = [], argmax: [Int] = []
        for map in 0..<maps {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best = -Float.infinity, index = map * h * w + i * stride * w + j * stride
                    for a in 0..<size {
                        for b in 0..<size {
                            let offset = map * h * w + (i * stride + a) * w + j * stride + b
                            if x.scalars[offset] > best { best = x.scalars[offset]; index = offset }
                        }
                    }
                    values.append(x.scalars[index])
                    argmax.append(index)
                }
            }
        }
        return (values, argmax)
    }

    /// Inputs with ties (values on a coarse grid), −∞, NaN and an all-NaN window, on widths that use
    /// the eight-window vectors, the scalar tail, both, and an odd width (last column dropped).
    @Test(arguments: [22, 9, 38, 16, 17])
    func maxPoolMatchesTheDefinition(width: Int) throws {
        var values = Tensor<Float>.uniform(shape: [3, 2, 6, width], in: -1...1, seed: UInt64(width)).scalars.map { ($0 * 4).rounded() / 4 }
        values[5] = -.infinity
        values[width + 3] = .nan
        for offset in [2 * width * 2 + 4, 2 * width * 2 + 5, 2 * width * 2 + width + 4, 2 * width * 2 + width + 5] { values[offset] = .nan }
        values[7] = -.infinity
        values[8] = -.infinity
        values[width + 7] = -.infinity
        values[width + 8] = -.infinity
        let input = try Tensor(shape: [3, 2, 6, width], scalars: values)
        for threads in [1, 2] {
            let layer = try MaxPool2D<Float>(poolSize: 2)
            layer.parallelism = Parallelism(threads: threads)
            let output = try layer.forward(input, training: true)
            let reference = Self.referenceMaxPool(input, size: 2, stride: 2)
            #expect(output.shape == [3, 2, 3, width / 2])
            for (index, (value, expected)) in zip(output.scalars, reference.values).enumerated() {
                #expect(value == expected || (value.isNaN && expected.isNaN), "width \(width) output \(index): \(value) vs \(expected)")
            }
            // The gradient goes to the recorded maximum: compare with the reference's arg-max.
            let dy = Tensor<Float>.uniform(shape: output.shape, in: 1...2, seed: 5)
            let dx = try layer.backward(dy)
            var expectedDx = [Float](repeating: 0, count: input.count)
            for (index, target) in reference.argmax.enumerated() { expectedDx[target] += dy.scalars[index] }
            #expect(dx.scalars == expectedDx, "width \(width), \(threads) threads: gradient routed differently")
        }
    }

    /// Dense in Float against the Double definition, and bit-identical with 1, 2 and 3 threads
    /// (fixed 32-row BLAS blocks), for batches that fill one block, several, and a partial last one.
    @Test(arguments: [1, 32, 100])
    func denseMatchesTheDefinitionWhateverTheThreads(batch: Int) throws {
        let (f, o) = (37, 45)
        let x = Tensor<Float>.uniform(shape: [batch, f], in: -1...1, seed: 1)
        let dy = Tensor<Float>.uniform(shape: [batch, o], in: -1...1, seed: 2)
        var results: [(Tensor<Float>, Tensor<Float>, Tensor<Float>, Tensor<Float>)] = []
        for threads in [1, 2, 3] {
            let layer = try Dense<Float>(inputFeatures: f, outputFeatures: o, seed: 3)
            layer.bias!.value = .uniform(shape: [o], in: -1...1, seed: 4)
            layer.parallelism = Parallelism(threads: threads)
            let y = try layer.forward(x, training: true)
            let dx = try layer.backward(dy)
            results.append((y, dx, layer.weight.gradient, layer.bias!.gradient))
            if threads == 1 {
                let w = layer.weight.value.scalars.map(Double.init), b = layer.bias!.value.scalars.map(Double.init)
                let xs = x.scalars.map(Double.init), dys = dy.scalars.map(Double.init)
                var maxError = 0.0
                for n in 0..<batch {
                    for unit in 0..<o {
                        var sum = b[unit]
                        for k in 0..<f { sum += xs[n * f + k] * w[unit * f + k] }
                        maxError = max(maxError, abs(Double(y.scalars[n * o + unit]) - sum))
                    }
                    for k in 0..<f {
                        var sum = 0.0
                        for unit in 0..<o { sum += dys[n * o + unit] * w[unit * f + k] }
                        maxError = max(maxError, abs(Double(dx.scalars[n * f + k]) - sum))
                    }
                }
                for unit in 0..<o {
                    var biasSum = 0.0
                    for n in 0..<batch { biasSum += dys[n * o + unit] }
                    maxError = max(maxError, abs(Double(layer.bias!.gradient.scalars[unit]) - biasSum))
                    for k in 0..<f {
                        var sum = 0.0
                        for n in 0..<batch { sum += dys[n * o + unit] * xs[n * f + k] }
                        maxError = max(maxError, abs(Double(layer.weight.gradient.scalars[unit * f + k]) - sum))
                    }
                }
                #expect(maxError <= 2e-5, "batch \(batch): Dense differs from the Double definition by \(maxError)")
            }
        }
        for (threads, result) in zip([2, 3], results.dropFirst()) {
            #expect(result.0 == results[0].0 && result.1 == results[0].1 && result.2 == results[0].2 && result.3 == results[0].3,
                    "batch \(batch): \(threads) threads differ from 1")
        }
    }

    /// The training step skips the first layer's input gradient but stores the same parameter
    /// gradients as the full backward pass (which also returns dL/dx).
    @Test func trainingBackwardSkipsOnlyTheInputGradient() throws {
        let engine = try ConvolutionEngine(threads: 2)
        let input = Tensor<Float>.uniform(shape: [8, 1, 28, 28], in: 0...1, seed: 9)
        let labels = (0..<8).map { $0 % 10 }
        let trained: Sequential<Float> = try ModelRegistry.build("seed", seed: 4, engine: engine)
        _ = try trained.computeGradients(input: input, labels: labels)
        let full: Sequential<Float> = try ModelRegistry.build("seed", seed: 4, engine: engine)
        let count = full.layers.count - 1   // the fused softmax is skipped
        var value = input
        for layer in full.layers.prefix(count) { value = try layer.forward(value, training: true) }
        let loss = try SoftmaxCrossEntropy.evaluate(logits: value, labels: labels)
        var gradient = loss.gradient
        for layer in full.layers.prefix(count).reversed() { gradient = try layer.backward(gradient) }
        #expect(gradient.shape == input.shape)
        for (a, b) in zip(trained.namedParameters, full.namedParameters) {
            #expect(a.parameter.gradient == b.parameter.gradient, "\(a.name): gradients differ")
        }
        // A convolution asked for parameter gradients only returns no input gradient.
        let first = trained.layers[0]
        let y = try first.forward(input, training: true)
        #expect(try first.backward(.uniform(shape: y.shape, in: -1...1, seed: 1), needsInputGradient: false) == nil)
    }
}
