import Testing
import SpectralConv

@Suite struct GeometryTests {
    @Test func seedNetworkSizes() throws {
        let g = try ConvolutionGeometry(inputShape: [1, 1, 28, 28], weightShape: [4, 1, 5, 5], options: .init())
        #expect(g.outHeight == 24 && g.outWidth == 24)
    }
}
