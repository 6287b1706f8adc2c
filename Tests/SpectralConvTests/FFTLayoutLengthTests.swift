import Foundation
import Testing
@testable import SpectralConv

/// The FFT layout's transform lengths: only even fast lengths (FFTW's real transforms of odd
/// lengths are several times slower per point), a single row stays one row, and results still
/// match the Float64 definition where the needed length is odd.
@Suite struct FFTLayoutLengthTests {
    @Test func nextFastEvenRoundsUpToAnEvenFastLength() {
        #expect(FFTSize.nextFastEven(27) == 28)
        #expect(FFTSize.nextFastEven(63) == 64)
        #expect(FFTSize.nextFastEven(65) == 70)
        #expect(FFTSize.nextFastEven(135) == 140)
        #expect(FFTSize.nextFastEven(513) == 540)
        #expect(FFTSize.nextFastEven(1) == 2 && FFTSize.nextFastEven(2) == 2)
        for n in 1...600 {
            let even = FFTSize.nextFastEven(n)
            #expect(even >= n && even % 2 == 0 && FFTSize.isFast(even))
            // No smaller even fast length was skipped.
            #expect(!(n..<even).contains { $0 % 2 == 0 && FFTSize.isFast($0) })
        }
        #expect(FFTSize.evenFastLengths(in: 20...30) == [20, 24, 28, 30])
    }

    /// Square layers of the sweep grids (odd and even kernels, same and valid padding), strided,
    /// dilated and 1-D ones, and the derived geometries of their gradients.
    static let geometries: [ConvolutionGeometry] = {
        var result: [ConvolutionGeometry] = []
        for c in [1, 16] {
            for n in [16, 22, 32, 64, 100, 128, 256] {
                for k in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 16, 20, 21, 24, 28, 31] where k <= n {
                    for padding in [Padding.same, .valid] {
                        result.append(try! ConvolutionGeometry(inputShape: [1, c, n, n], weightShape: [c, c, k, k], options: .init(padding: padding)))
                    }
                }
            }
        }
        result.append(try! ConvolutionGeometry(inputShape: [2, 3, 45, 37], weightShape: [4, 3, 5, 4], options: .init(stride: 2, padding: .same, dilation: 3)))
        result.append(try! ConvolutionGeometry(inputShape: [1, 2, 999], weightShape: [2, 2, 8], options: .init(padding: .same)))
        return result
    }()

    @Test func layoutsUseOnlyEvenTransformLengths() throws {
        var checked = 0
        for g in Self.geometries {
            var derived = [g]
            derived += InputGradientDecomposition(g).phases.compactMap(\.geometry)
            if let weight = WeightGradientDecomposition(g).geometry { derived.append(weight) }
            for geometry in derived {
                let layout = FFTConvolutionLayout(geometry: geometry)
                #expect(layout.transformWidth % 2 == 0, "\(geometry): width \(layout.transformWidth)")
                if geometry.isOneDimensional {
                    #expect(layout.transformHeight == 1)
                } else {
                    #expect(layout.transformHeight % 2 == 0 || layout.transformHeight == 1, "\(geometry): height \(layout.transformHeight)")
                    // Height 1 only for a single row of points.
                    #expect(layout.transformHeight > 1 || geometry.outHeight + layout.phaseKernelHeight - 1 == 1)
                }
                #expect(FFTSize.isFast(layout.transformHeight) && FFTSize.isFast(layout.transformWidth))
                // A tile yields outputs.
                #expect(layout.outputTileHeight >= 1 && layout.outputTileWidth >= 1)
                checked += 1
            }
        }
        #expect(checked > 400)
    }

    @Test func aSingleRowStaysOneRow() throws {
        let g = try ConvolutionGeometry(inputShape: [1, 2, 1, 40], weightShape: [3, 2, 1, 5], options: .init())
        let layout = FFTConvolutionLayout(geometry: g)
        #expect(layout.transformHeight == 1 && layout.dimensions == [layout.transformWidth])
    }

    /// Even kernels with `same` padding need odd lengths (n + k − 1): the path pads to the next even
    /// one and must still compute the definition, forward and both gradients, in both precisions.
    @Test(arguments: [(1, 64, 4), (1, 100, 6), (3, 22, 6), (2, 27, 2), (1, 135, 1)])
    func oddNeededLengthsMatchTheDefinition(_ c: Int, _ n: Int, _ k: Int) throws {
        let engine = try ConvolutionEngine(threads: 2)
        let options = ConvolutionOptions(padding: .same)
        let (x, w) = try FFTDefinitionCheck.expectMatches(engine: engine, input: [2, c, n, n + 1], weight: [2 * c, c, k, k], options: options, seeds: (3, 4))
        let g = try ConvolutionGeometry(inputShape: x.shape, weightShape: w.shape, options: options)
        let dy = Tensor<Double>.uniform(shape: g.outputShape, seed: 5)
        let dx = try engine.backwardInput(outputGradient: dy, weight: w, geometry: g, algorithm: .fft)
        let dxReference = try engine.backwardInput(outputGradient: dy, weight: w, geometry: g, algorithm: .direct)
        #expect(dx.maxAbsoluteDifference(from: dxReference) / dxReference.maxMagnitude <= 1e-11)
        let dw = try engine.backwardWeight(input: x, outputGradient: dy, geometry: g, algorithm: .fft)
        let dwReference = try engine.backwardWeight(input: x, outputGradient: dy, geometry: g, algorithm: .direct)
        #expect(dw.maxAbsoluteDifference(from: dwReference) / dwReference.maxMagnitude <= 1e-11)
    }
}
