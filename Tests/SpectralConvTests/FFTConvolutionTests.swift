import Foundation
import Testing
import SpectralConv

/// The FFT path's own behaviour: agreement with the Float64 definition on the geometries where its
/// decomposition (polyphase stride, dilated kernels, overlap-save tiles) does something, plan
/// caching, and wisdom files. Cross-path agreement on random geometries lives in the path-agreement tests.
@Suite struct FFTConvolutionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let input: [Int]
        let weight: [Int]
        let options: ConvolutionOptions
        var testDescription: String { "x\(input) w\(weight) \(options.stride)/\(options.padding)/\(options.dilation)/g\(options.groups)" }
    }

    static let cases: [Case] = [
        Case(input: [2, 3, 9, 11], weight: [4, 3, 3, 3], options: .init()),
        Case(input: [1, 2, 17, 13], weight: [3, 2, 4, 2], options: .init(stride: 2, padding: .same)),
        Case(input: [2, 4, 15, 16], weight: [4, 2, 3, 3], options: .init(stride: SpatialPair(height: 3, width: 2), padding: .symmetric(2), groups: 2)),
        Case(input: [1, 3, 14, 14], weight: [6, 1, 3, 3], options: .init(dilation: 2, groups: 3)),
        Case(input: [1, 2, 12, 12], weight: [2, 2, 3, 3], options: .init(stride: 2, padding: .explicit(top: 0, bottom: 4, left: 5, right: 1), dilation: 3)),
        Case(input: [1, 1, 150, 140], weight: [1, 1, 3, 3], options: .init(padding: .full)),
        Case(input: [2, 2, 90, 90], weight: [3, 2, 5, 5], options: .init(padding: .same)),
        Case(input: [3, 2, 40], weight: [4, 2, 5], options: .init(stride: 2, padding: .explicit(top: 0, bottom: 0, left: 3, right: 1), dilation: 2)),
        Case(input: [1, 1, 1000], weight: [1, 1, 7], options: .init()),
        Case(input: [1, 2, 6, 7], weight: [3, 2, 6, 7], options: .init()),
    ]

    @Test(arguments: cases)
    func matchesDoubleDefinition(_ c: Case) throws {
        try FFTDefinitionCheck.expectMatches(engine: try ConvolutionEngine(threads: 2), input: c.input, weight: c.weight, options: c.options, seeds: (1, 2))
    }
}

/// FFTW plans are created once per shape and reused; wisdom round-trips through a file.
@Suite(.serialized) struct FFTPlanLifecycleTests {
    @Test func secondCallOnTheSameShapeCreatesNoPlans() throws {
        let cache = FFTPlanCache()
        let engine = try ConvolutionEngine(threads: 2, planCache: cache)
        let x = Tensor<Float>.uniform(shape: [3, 5, 23, 29], seed: 11)
        let w = Tensor<Float>.uniform(shape: [7, 5, 4, 4], seed: 12)
        let first = try engine.forward(input: x, weight: w, options: .init(padding: .same), algorithm: .fft)
        let created = cache.statistics.created
        #expect(created >= 3)  // kernel, input and output transforms at least
        let second = try engine.forward(input: x, weight: w, options: .init(padding: .same), algorithm: .fft)
        #expect(cache.statistics.created == created)
        #expect(first == second)
    }

    @Test func wisdomSavesAndLoads() throws {
        let engine = try ConvolutionEngine(threads: 1, fftRigor: .measure)
        _ = try engine.forward(input: Tensor<Float>.uniform(shape: [1, 2, 12, 12], seed: 1),
                               weight: Tensor<Float>.uniform(shape: [2, 2, 3, 3], seed: 2), algorithm: .fft)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spectralconv-wisdom-\(UInt32.random(in: 0...UInt32.max)).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FFTWisdom.save(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("[single]") && text.contains("fftw_wisdom"))
        try FFTWisdom.load(from: path)
    }

    @Test func corruptOrMissingWisdomIsATypedError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spectralconv-bad-wisdom-\(UInt32.random(in: 0...UInt32.max)).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "not wisdom".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SpectralConvError.self) { try FFTWisdom.load(from: path) }
        try "[single]\n(garbage\n[double]\n(more garbage\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SpectralConvError.self) { try FFTWisdom.load(from: path) }
        #expect(throws: SpectralConvError.io(path: path + ".missing", reason: "cannot read FFTW wisdom: no such readable file")) {
            try FFTWisdom.load(from: path + ".missing")
        }
    }

    @Test func rigorParsesAndRejects() throws {
        #expect(try FFTPlanRigor(parsing: "Measure") == .measure)
        #expect(throws: SpectralConvError.self) { try FFTPlanRigor(parsing: "exhaustive") }
    }

    @Test func fastSizesHaveNoPrimeAboveSeven() {
        #expect(FFTSize.nextFast(58) == 60)
        #expect(FFTSize.nextFast(97) == 98)
        #expect(FFTSize.nextFast(513) == 525)
        #expect(FFTSize.nextFast(1) == 1)
        #expect(FFTSize.isFast(2 * 3 * 5 * 7 * 8) && !FFTSize.isFast(11) && !FFTSize.isFast(0))
    }
}
