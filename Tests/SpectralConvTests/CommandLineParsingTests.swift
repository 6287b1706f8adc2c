import Testing
import SpectralConv

/// The library parsers behind the command-line options.
@Suite struct CommandLineParsingTests {
    @Test func spatialPairs() throws {
        #expect(try SpatialPair(parsing: "2", name: "stride") == SpatialPair(2))
        #expect(try SpatialPair(parsing: "3x1", name: "stride") == SpatialPair(height: 3, width: 1))
        #expect(try SpatialPair(parsing: "56X28", name: "size") == SpatialPair(height: 56, width: 28))
        #expect(try SpatialPair(parsing: "7", name: "kernel", oneDimensional: true) == SpatialPair(7))
        #expect(throws: SpectralConvError.invalidArgument("stride must be at least 1, got '0'")) {
            try SpatialPair(parsing: "0", name: "stride")
        }
        #expect(throws: SpectralConvError.invalidArgument("stride '2x' is not N or HxW with integer extents")) {
            try SpatialPair(parsing: "2x", name: "stride")
        }
        #expect(throws: SpectralConvError.invalidArgument("size '1x2x3' is not N or HxW")) {
            try SpatialPair(parsing: "1x2x3", name: "size")
        }
        #expect(throws: SpectralConvError.invalidArgument("stride '2x2' is not a single integer N (the convolution is 1-D)")) {
            try SpatialPair(parsing: "2x2", name: "stride", oneDimensional: true)
        }
    }

    @Test func convolutionOptions() throws {
        let options = try ConvolutionOptions(parsingStride: "2x1", padding: "1,2,3,4", dilation: "2", groups: 2, oneDimensional: false)
        #expect(options == ConvolutionOptions(
            stride: .init(height: 2, width: 1), padding: .explicit(top: 1, bottom: 2, left: 3, right: 4), dilation: 2, groups: 2))
        let oneD = try ConvolutionOptions(parsingStride: "3", padding: "2,1", dilation: "1", groups: 1, oneDimensional: true)
        #expect(oneD.padding == .explicit(top: 0, bottom: 0, left: 2, right: 1))
        #expect(throws: SpectralConvError.invalidArgument("groups must be at least 1, got 0")) {
            try ConvolutionOptions(parsingStride: "1", padding: "same", dilation: "1", groups: 0, oneDimensional: false)
        }
        #expect(throws: SpectralConvError.self) {
            try ConvolutionOptions(parsingStride: "1", padding: "sometimes", dilation: "1", groups: 1, oneDimensional: false)
        }
    }

    @Test func algorithmLists() throws {
        #expect(try ConvolutionAlgorithm.parseList("direct,im2col,fft,auto") == [.direct, .im2col, .fft, .auto])
        #expect(try ConvolutionAlgorithm.parseList(" FFT, im2col ,fft") == [.fft, .im2col])
        #expect(throws: SpectralConvError.invalidArgument("unknown algorithm 'winograd'; expected one of direct, im2col, fft, auto, autotune")) {
            try ConvolutionAlgorithm.parseList("im2col,winograd")
        }
        #expect(throws: SpectralConvError.self) { try ConvolutionAlgorithm.parseList(",") }
    }

    @Test func memoryCheck() throws {
        let geometry = try ConvolutionGeometry(inputShape: [1, 2, 8, 8], weightShape: [3, 2, 3, 3], options: .init(padding: .same))
        #expect(geometry.tensorBytes(scalarSize: 4) == 4 * (128 + 54 + 192))
        try geometry.checkFitsInMemory(scalarSize: 4)
        #expect(throws: SpectralConvError.self) { try geometry.checkFitsInMemory(scalarSize: 4, limit: 100) }
        let huge = try ConvolutionGeometry(
            inputShape: [1 << 20, 1 << 20, 1 << 12, 1 << 12], weightShape: [1, 1 << 20, 1, 1], options: .init())
        #expect(huge.tensorBytes(scalarSize: 4) == nil)
        #expect(throws: SpectralConvError.self) { try huge.checkFitsInMemory(scalarSize: 4) }
    }
}
