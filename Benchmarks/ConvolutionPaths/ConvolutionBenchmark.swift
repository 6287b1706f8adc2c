import Benchmark
import SpectralConv

/// One benchmark: `pass` of `layer` through `path`.
struct ConvolutionBenchmark: Sendable {
    /// Useful work per second in MFLOP/s (an integer metric; MFLOP keeps three digits at GFLOP/s rates).
    static let usefulMflops = BenchmarkMetric.custom("Useful MFLOP/s", polarity: .prefersLarger, useScalingFactor: false)

    let layer: CanonicalLayer
    let pass: ConvolutionPass
    let path: ConvolutionAlgorithm
    let engine: ConvolutionEngine

    var name: String { "\(layer.name) \(pass) \(path)" }

    func register() {
        let geometry: ConvolutionGeometry
        do {
            geometry = try ConvolutionGeometry(inputShape: layer.inputShape, weightShape: layer.weightShape, options: layer.options)
        } catch {
            fatalError("canonical layer \(layer.name): \(error)")
        }
        // Tensors are made in the setup hook (run once, before the warm-up), kept in a box the
        // measured closure reads, and dropped by the teardown hook.
        let operands = Operands()
        let (engine, pass, path, flops) = (engine, pass, path, geometry.usefulFlops)
        Benchmark(name) { benchmark in
            let clock = ContinuousClock()
            let start = clock.now
            for _ in benchmark.scaledIterations {
                switch pass {
                case .forward:
                    blackHole(try engine.forward(input: operands.x, weight: operands.w, geometry: geometry, algorithm: path))
                case .backwardInput:
                    blackHole(try engine.backwardInput(outputGradient: operands.dy, weight: operands.w, geometry: geometry, algorithm: path))
                case .backwardWeight:
                    blackHole(try engine.backwardWeight(input: operands.x, outputGradient: operands.dy, geometry: geometry, algorithm: path))
                }
            }
            let (seconds, attoseconds) = (clock.now - start).components
            let elapsed = Double(seconds) + Double(attoseconds) * 1e-18
            let calls = Double(benchmark.scaledIterations.count)
            benchmark.measurement(Self.usefulMflops, elapsed > 0 ? Int((flops * calls / elapsed / 1e6).rounded()) : 0)
        } setup: {
            operands.fill(geometry)
        } teardown: {
            operands.release()
        }
    }
}

/// Input, weight and output gradient of one benchmark: uniform random in [−1, 1), fixed seeds.
final class Operands: @unchecked Sendable {
    // Written once by the setup hook before any measured call, then only read.
    private(set) var x = Tensor<Float>(shape: [])
    private(set) var w = Tensor<Float>(shape: [])
    private(set) var dy = Tensor<Float>(shape: [])

    func fill(_ geometry: ConvolutionGeometry) {
        x = .uniform(shape: geometry.inputShape, seed: 1)
        w = .uniform(shape: geometry.weightShape, seed: 2)
        dy = .uniform(shape: geometry.outputShape, seed: 3)
    }

    func release() {
        (x, w, dy) = (Tensor(shape: []), Tensor(shape: []), Tensor(shape: []))
    }
}
