import Foundation
import Testing
@testable import SpectralConv

/// The FFT path's per-map route (every output map reads one input map: single-channel images,
/// filter banks, depthwise layers): agreement with the Float64 definition on the geometries it
/// takes, that it is taken exactly where it is valid, that warm calls plan nothing, and that the
/// kernel spectra it keeps between calls are reused only for bit-identical weights.
@Suite struct FFTPerMapRouteTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let input: [Int]
        let weight: [Int]
        var options: ConvolutionOptions = .init()
        var threads = 2
        var testDescription: String { "x\(input) w\(weight) \(options.padding)/d\(options.dilation)/g\(options.groups) t\(threads)" }
    }

    static let cases: [Case] = [
        Case(input: [1, 1, 200, 190], weight: [1, 1, 31, 31], options: .init(padding: .same)),
        Case(input: [1, 1, 97, 123], weight: [1, 1, 15, 9]),
        Case(input: [1, 1, 64, 81], weight: [1, 1, 5, 7], options: .init(padding: .full), threads: 1),
        Case(input: [1, 1, 90, 71], weight: [1, 1, 7, 5], options: .init(padding: .same, dilation: SpatialPair(height: 2, width: 3))),
        // Kernels larger than half the image, and as large as it.
        Case(input: [1, 1, 70, 66], weight: [1, 1, 63, 63], options: .init(padding: .same)),
        Case(input: [1, 1, 41, 37], weight: [1, 1, 41, 37]),
        // Large images: overlap-save tiles, several per thread, uneven last tiles.
        Case(input: [1, 1, 601, 523], weight: [1, 1, 21, 21], options: .init(padding: .same)),
        Case(input: [1, 1, 700, 300], weight: [1, 1, 9, 63], options: .init(padding: .explicit(top: 3, bottom: 0, left: 40, right: 2)), threads: 3),
        // Filter bank (one input, several outputs per group), batch 2.
        Case(input: [2, 1, 50, 60], weight: [3, 1, 9, 9], options: .init(padding: .same)),
        // Depthwise, with a channel multiplier and without.
        Case(input: [1, 3, 40, 44], weight: [6, 1, 5, 5], options: .init(groups: 3)),
        Case(input: [2, 4, 33, 35], weight: [4, 1, 3, 3], options: .init(padding: .explicit(top: 2, bottom: 0, left: 1, right: 3), groups: 4)),
        // One map and more threads than maps: FFTW's own threads.
        Case(input: [1, 1, 48, 40], weight: [1, 1, 11, 11], options: .init(padding: .same), threads: 3),
        // 1-D.
        Case(input: [1, 1, 5000], weight: [1, 1, 63], options: .init(padding: .same)),
        Case(input: [3, 2, 300], weight: [2, 1, 17], options: .init(padding: .full, dilation: 2, groups: 2)),
    ]

    @Test(arguments: cases)
    func matchesDoubleDefinition(_ c: Case) throws {
        let engine = try ConvolutionEngine(threads: c.threads)
        let geometry = try ConvolutionGeometry(inputShape: c.input, weightShape: c.weight, options: c.options)
        #expect(try Self.takesPerMapRoute(engine, geometry))
        try FFTDefinitionCheck.expectMatches(engine: engine, input: c.input, weight: c.weight, options: c.options, seeds: (3, 4))
    }

    @Test func largeImagesAreTiled() throws {
        let geometry = try ConvolutionGeometry(inputShape: [1, 1, 601, 523], weightShape: [1, 1, 21, 21], options: .init(padding: .same))
        let layout = FFTConvolutionLayout(geometry: geometry)
        #expect(layout.hasOneInputMapPerOutput)
        #expect(layout.tilesHigh * layout.tilesWide > 1)
    }

    /// Several input maps per output (channel sums, stride phases) keep the batched route.
    @Test(arguments: [
        ([1, 2, 30, 30], [1, 2, 5, 5], ConvolutionOptions()),
        ([1, 1, 30, 30], [1, 1, 5, 5], ConvolutionOptions(stride: 2)),
        ([1, 4, 30, 30], [4, 2, 5, 5], ConvolutionOptions(groups: 2)),
    ])
    func channelSumsAndStridesStayBatched(_ input: [Int], _ weight: [Int], _ options: ConvolutionOptions) throws {
        let engine = try ConvolutionEngine(threads: 2)
        let geometry = try ConvolutionGeometry(inputShape: input, weightShape: weight, options: options)
        #expect(try !Self.takesPerMapRoute(engine, geometry))
        #expect(!FFTConvolutionLayout(geometry: geometry).hasOneInputMapPerOutput)
    }

    /// The headline image-filtering case: a 512×512 image, a 31×31 kernel. The second call finds its
    /// plan in the engine's memo and creates no FFTW plan.
    @Test func warmCallsPlanNothing() throws {
        let cache = FFTPlanCache()
        let engine = try ConvolutionEngine(threads: 2, planCache: cache)
        let x = Tensor<Float>.uniform(shape: [1, 1, 512, 512], seed: 5)
        let w = Tensor<Float>.uniform(shape: [1, 1, 31, 31], seed: 6)
        let options = ConvolutionOptions(padding: .same)
        let geometry = try ConvolutionGeometry(inputShape: x.shape, weightShape: w.shape, options: options)
        let first = try engine.forward(input: x, weight: w, options: options, algorithm: .fft)
        let created = cache.statistics.created
        let planID = try engine.fft.prepare(geometry: geometry, scalar: Float.self, threads: 2).id
        let second = try engine.forward(input: x, weight: w, options: options, algorithm: .fft)
        #expect(cache.statistics.created == created)
        #expect(try engine.fft.prepare(geometry: geometry, scalar: Float.self, threads: 2).id == planID)
        #expect(first == second)
    }

    /// Kept kernel spectra: the same weights give bit-identical results; any change of the weights,
    /// of the precision, or a batched-route call in between recomputes them.
    @Test func keptKernelSpectraFollowTheWeights() throws {
        let engine = try ConvolutionEngine(threads: 2)
        let options = ConvolutionOptions(padding: .same)
        let x = Tensor<Float>.uniform(shape: [1, 1, 80, 90], seed: 7)
        var w = Tensor<Float>.uniform(shape: [1, 1, 9, 9], seed: 8)
        func check(_ w: Tensor<Float>) throws -> Tensor<Float> {
            let y = try engine.forward(input: x, weight: w, options: options, algorithm: .fft)
            let reference = try ReferenceConvolution.forward(input: x.converted(to: Double.self), weight: w.converted(to: Double.self), options: options)
            #expect(y.converted(to: Double.self).maxAbsoluteDifference(from: reference) / reference.maxMagnitude <= 1e-5)
            return y
        }
        let first = try check(w)
        #expect(try check(w) == first)
        w[0, 0, 4, 4] += 0.5  // one tap changed in place: same storage, same shape
        let changed = try check(w)
        #expect(changed != first)
        // Another geometry and precision, and a batched (two-channel) call, in between.
        _ = try engine.forward(input: Tensor<Double>.uniform(shape: [1, 1, 80, 90], seed: 9), weight: w.converted(to: Double.self),
                               options: options, algorithm: .fft)
        _ = try engine.forward(input: Tensor<Float>.uniform(shape: [1, 2, 20, 20], seed: 10), weight: Tensor<Float>.uniform(shape: [2, 2, 9, 9], seed: 11),
                               options: options, algorithm: .fft)
        #expect(try check(w) == changed)
        w[0, 0, 0, 0] = -w[0, 0, 0, 0]
        _ = try check(w)
    }

    @Test func conjugateProductMatchesComplexArithmetic() {
        for bins in [1, 3, 4, 9, 17] {
            let x = (0..<(2 * bins)).map { Float($0 % 7) - 2.5 }
            let w = (0..<(2 * bins)).map { Float(($0 * 5) % 11) / 3 - 1 }
            var y = [Float](repeating: .nan, count: 2 * bins)
            SpectralProduct.multiplyConjugate(x, w, into: &y, bins: bins)
            for f in 0..<bins {
                let (xr, xi, wr, wi) = (x[2 * f], x[2 * f + 1], w[2 * f], w[2 * f + 1])
                #expect(abs(y[2 * f] - (xr * wr + xi * wi)) <= 1e-5)
                #expect(abs(y[2 * f + 1] - (xi * wr - xr * wi)) <= 1e-5)
            }
        }
    }

    private static func takesPerMapRoute(_ engine: ConvolutionEngine, _ geometry: ConvolutionGeometry) throws -> Bool {
        let plan = try engine.fft.prepare(geometry: geometry, scalar: Float.self, threads: engine.threads)
        if case .perMap = plan.route { return true }
        return false
    }
}
