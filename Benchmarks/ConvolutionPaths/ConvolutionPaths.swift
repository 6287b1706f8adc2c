import Benchmark
import Foundation
import SpectralConv

// Every concrete path (direct, im2col, fft) × pass (forward, input gradient, weight gradient)
// on the canonical layers below, Float32, on one engine with every core. Metrics: wall clock per
// call, calls per second, useful MFLOP/s (2·N·O·(C/G)·Ho·Wo·kH·kW per call, the same count for
// every path and pass), mallocs per call and peak resident memory. One untimed warm-up call
// first builds the FFTW plans and workspaces. Benchmarks are named "<layer> <pass> <path>".

// SPECTRALCONV_BENCH_SMOKE=1 (`make bench-check`, CI): the warm-up and one measured call each — a
// check that every benchmark runs, not a measurement.
let smoke = ProcessInfo.processInfo.environment["SPECTRALCONV_BENCH_SMOKE"] == "1"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, ConvolutionBenchmark.usefulMflops, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        units: [ConvolutionBenchmark.usefulMflops: .count, .throughput: .count, .peakMemoryResident: .mega],
        warmupIterations: 1,
        maxDuration: smoke ? .milliseconds(1) : .seconds(1),
        maxIterations: smoke ? 1 : 25)

    let engine: ConvolutionEngine
    do {
        engine = try ConvolutionEngine()
    } catch {
        fatalError("cannot create the convolution engine: \(error)")
    }
    for layer in CanonicalLayer.all {
        for pass in ConvolutionPass.allCases {
            for path in ConvolutionAlgorithm.concrete {
                ConvolutionBenchmark(layer: layer, pass: pass, path: path, engine: engine).register()
            }
        }
    }
}
