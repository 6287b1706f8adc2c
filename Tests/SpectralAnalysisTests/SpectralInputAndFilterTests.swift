import CPNG
import Foundation
import SpectralAnalysis
import SpectralConv
import Testing

/// Expects `body` to throw a ``SpectralConvError`` whose one-line description mentions every word.
private func expectSpectralError(_ words: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    let error = #expect(throws: SpectralConvError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    for word in words {
        #expect(error.description.lowercased().contains(word.lowercased()), "'\(error.description)' does not mention '\(word)'",
                sourceLocation: sourceLocation)
    }
    #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
}

private func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "spectral-tests-\(getpid())-\(name)"
}

/// PNG bytes in a format `PNGImage` does not write (16-bit, alpha, palette), through libpng.
private func pngBytes(width: Int, height: Int, format: UInt32, pixels: [UInt8], colormap: [UInt8]? = nil, entries: UInt32 = 0) -> [UInt8] {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = format
    image.colormap_entries = entries
    var size = 0
    _ = pixels.withUnsafeBytes { p in
        colormap.withUnsafeBytesOrNil { c in png_image_write_to_memory(&image, nil, &size, 0, p.baseAddress, 0, c) }
    }
    var out = [UInt8](repeating: 0, count: size)
    _ = out.withUnsafeMutableBytes { o in
        pixels.withUnsafeBytes { p in
            colormap.withUnsafeBytesOrNil { c in png_image_write_to_memory(&image, o.baseAddress, &size, 0, p.baseAddress, 0, c) }
        }
    }
    return Array(out.prefix(size))
}

extension Optional where Wrapped == [UInt8] {
    fileprivate func withUnsafeBytesOrNil<R>(_ body: (UnsafeRawPointer?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case .some(let bytes): return bytes.withUnsafeBytes { body($0.baseAddress) }
        }
    }
}

@Suite("Spectrum inputs, PNG and filter")
struct SpectralInputAndFilterTests {
    /// Spatial (core, Float) vs spectral (FFTW, Double) on pixel values in [0, 1].
    static let filterAgreement = 1e-5

    @Test("filter: spatial convolution and spectrum multiplication agree on synthetic and natural-looking images")
    func filterAgreement() throws {
        let engine = try ConvolutionEngine(threads: 2)
        let images = [SyntheticImage.checkerboard(width: 40, height: 33, period: 5),
                      SyntheticImage.natural(width: 64, height: 48, seed: 3),
                      SyntheticImage.natural(width: 37, height: 50, color: true, seed: 4)]
        for image in images {
            for spec in ["box:3", "gaussian:7:1.5", "sobel-x", "laplacian-8", "gabor:9:30:4:2", "box:4", "[[1,2],[3,-4],[0,5]]"] {
                let kernel = try #require(try KernelSpecification.parse(spec).first)
                let result = try ImageFiltering.filter(image, kernel: kernel, engine: engine)
                #expect(result.spatial.shape == [image.channels, image.height, image.width])
                #expect(result.maxDifference <= Self.filterAgreement, "\(spec) on \(image.width)x\(image.height): \(result.maxDifference)")
            }
        }
    }

    @Test("filter convolves: an off-centre impulse kernel shifts the image the convolution way")
    func filterConvolvesRatherThanCorrelates() throws {
        var pixels = [UInt8](repeating: 0, count: 9 * 9)
        pixels[4 * 9 + 4] = 255
        let impulse = PNGImage(width: 9, height: 9, channels: 1, pixels: pixels)
        // w[0, 2] = 1 sits one row up and one column right of the centre: convolution gives
        // y[i, j] = x[i − (0 − 1), j − (2 − 1)] = x[i + 1, j − 1], so the pixel at (4, 4) moves to (3, 5)
        // (correlation would move it to (5, 3)).
        let kernel = try #require(try KernelSpecification.parse("[[0,0,1],[0,0,0],[0,0,0]]").first)
        let result = try ImageFiltering.filter(impulse, kernel: kernel, engine: try ConvolutionEngine(threads: 1))
        #expect(abs(result.spatial[0, 3, 5] - 1) < 1e-6)
        #expect(abs(result.spectral[0, 3, 5] - 1) < 1e-9)
    }

    @Test("PNG: gray and RGB round-trip; palette images are expanded; writes are atomic files")
    func pngRoundTrip() throws {
        for image in [SyntheticImage.natural(width: 30, height: 20), SyntheticImage.natural(width: 17, height: 23, color: true)] {
            let path = temporaryPath("round-trip.png")
            try image.write(to: path)
            #expect(try PNGImage(contentsOf: path) == image)
            try? FileManager.default.removeItem(atPath: path)
        }
        let palette: [UInt8] = [0, 0, 0, 255, 0, 0, 0, 255, 0]
        let indices: [UInt8] = [0, 1, 2, 1, 0, 2]
        let bytes = pngBytes(width: 3, height: 2, format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_COLORMAP), pixels: indices, colormap: palette, entries: 3)
        let decoded = try PNGImage(pngData: bytes)
        #expect(decoded.channels == 3)
        #expect(Array(decoded.pixels[3..<6]) == [255, 0, 0])
    }

    @Test("bad PNGs: missing, not a PNG, truncated, 16-bit, alpha → typed errors")
    func badPNGs() throws {
        expectSpectralError("no such file") { _ = try PNGImage(contentsOf: "/nonexistent/picture.png") }
        expectSpectralError("not a png") { _ = try PNGImage(pngData: Array("hello, world".utf8)) }
        let good = try SyntheticImage.natural(width: 20, height: 20).pngData()
        expectSpectralError("libpng") { _ = try PNGImage(pngData: Array(good.prefix(40))) }
        let sixteen = pngBytes(width: 2, height: 2, format: UInt32(PNG_FORMAT_LINEAR_Y), pixels: [UInt8](repeating: 7, count: 8))
        expectSpectralError("16-bit") { _ = try PNGImage(pngData: sixteen) }
        let alpha = pngBytes(width: 2, height: 2, format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA), pixels: [UInt8](repeating: 100, count: 16))
        expectSpectralError("alpha") { _ = try PNGImage(pngData: alpha) }
        let directory = NSTemporaryDirectory()
        expectSpectralError("directory") { _ = try PNGImage(contentsOf: directory) }
    }

    @Test("bad preset parameters and specs → invalid-argument errors naming the expected form")
    func badPresets() {
        for (spec, word) in [("gaussian:5", "expected 2"), ("gaussian:5:-1", "σ"), ("gaussian:0:1", "size"), ("box:x", "size"),
                             ("box:300", "size"), ("gabor:9:0:1:2", "λ"), ("dog:9:1:1", "σ1 ≠ σ2"), ("identity:4", "odd"),
                             ("sobel-x:3", "no parameters"), ("lowpass", "unknown kernel"), ("[[1,2],[3]]", "same"),
                             ("[1,2,x]", "not a valid"), ("[1,2]/0", "divisor"), ("", "empty")] {
            expectSpectralError(word) { _ = try KernelSpecification.parse(spec) }
        }
    }

    @Test(".npy: k×k is one kernel, O×C×k×k every kernel with its index, wrong ranks are refused")
    func npyKernels() throws {
        let path = temporaryPath("bank.npy")
        try NPY.write(Tensor<Float>.uniform(shape: [3, 2, 5, 5], seed: 1), to: path)
        let bank = try KernelSpectrum.analyse(KernelSpecification.parse(path))
        #expect(bank.count == 6 && bank[5].kernel.index == [2, 1] && bank[5].kernel.reportedShape == [5, 5])
        try NPY.write(Tensor<Double>.uniform(shape: [2, 3, 3, 3, 3], seed: 1), to: path)
        expectSpectralError("rank") { _ = try KernelSpecification.parse(path) }
        try NPY.write(Tensor<Double>(shape: [], repeating: 1), to: path)
        expectSpectralError("rank") { _ = try KernelSpecification.parse(path) }
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("safetensors: a tensor by name; a missing name lists the names; corrupt files are typed errors")
    func safetensors() throws {
        let path = temporaryPath("ckpt.safetensors")
        let conv1 = Tensor<Float>.uniform(shape: [4, 1, 5, 5], seed: 2)
        let bytes = SafetensorsFile.encode([("conv1.weight", conv1), ("conv1.bias", Tensor<Float>.uniform(shape: [4], seed: 3))])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let kernels = try KernelSpecification.parse("\(path):conv1.weight")
        #expect(kernels.count == 4)
        #expect(kernels[2].weights.scalars == conv1.scalars[50..<75].map(Double.init))
        expectSpectralError("no tensor 'conv2.weight'", "conv1.weight") { _ = try KernelSpecification.parse("\(path):conv2.weight") }
        expectSpectralError("name a tensor") { _ = try KernelSpecification.parse(path) }
        expectSpectralError("header length") { _ = try SafetensorsFile(bytes: [255, 0, 0, 0, 0, 0, 0, 0, 1, 2]) }
        expectSpectralError("json") { _ = try SafetensorsFile(bytes: [4, 0, 0, 0, 0, 0, 0, 0] + Array("[1] ".utf8)) }
        var truncated = bytes
        truncated.removeLast(8)
        expectSpectralError("data_offsets") { _ = try SafetensorsFile(bytes: truncated) }
        let header = Array(#"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#.utf8)
        let integer = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [UInt8](repeating: 0, count: 8)
        expectSpectralError("F32 or F64") { _ = try SafetensorsFile(bytes: integer).tensor(named: "w") }
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("JSON report: the issue's keys, index null for a single kernel, magnitude only with grid values")
    func jsonReport() throws {
        let spectra = try KernelSpectrum.analyse(KernelSpecification.parse("sobel-x"), rows: 8, columns: 8)
        let plain = try SpectrumReport(spectra, thresholds: .init(), gridValues: false, decibels: false).jsonString()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plain.utf8)) as? [String: Any])
        let kernel = try #require((object["kernels"] as? [[String: Any]])?.first)
        #expect(Set(kernel.keys) == ["name", "index", "shape", "dc_gain", "nyquist_gain", "peak", "high_frequency_energy_fraction", "orientation", "label"])
        #expect(kernel["index"] is NSNull)
        #expect(object["thresholds"] is [String: Any])
        let withGrid = try SpectrumReport(spectra, thresholds: .init(), gridValues: true, decibels: false).jsonString()
        let grid = try #require(((try JSONSerialization.jsonObject(with: Data(withGrid.utf8)) as? [String: Any])?["kernels"] as? [[String: Any]])?.first?["magnitude"] as? [[Double]])
        #expect(grid.count == 8 && grid.allSatisfy { $0.count == 8 })
    }

    @Test("JSON phase: a centred grid in radians with null where undefined, only with grid values and phase")
    func jsonPhase() throws {
        let spectra = try KernelSpectrum.analyse(KernelSpecification.parse("sobel-x"), rows: 8, columns: 8)
        func kernel(_ report: SpectrumReport) throws -> [String: Any] {
            let json = try report.jsonString()
            return try #require(((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["kernels"] as? [[String: Any]])?.first)
        }
        #expect(try kernel(SpectrumReport(spectra, thresholds: .init(), gridValues: true, decibels: false))["phase"] == nil)
        #expect(try kernel(SpectrumReport(spectra, thresholds: .init(), gridValues: false, decibels: false, phase: true))["phase"] == nil)
        let rows = try #require(try kernel(SpectrumReport(spectra, thresholds: .init(), gridValues: true, decibels: false, phase: true))["phase"] as? [[Any]])
        #expect(rows.count == 8 && rows.allSatisfy { $0.count == 8 })
        #expect(rows[4][4] is NSNull, "DC of sobel-x: |H| = 0")
        #expect(abs(try #require(rows[4][2] as? Double) - .pi / 2) <= 1e-12)
        #expect(abs(try #require(rows[4][6] as? Double) + .pi / 2) <= 1e-12)
    }

    @Test("phase colours: twilight_shifted is cyclic, 0 rad light in the middle; plain terminal shows arrows")
    func phaseDisplay() throws {
        let map = ColorMap.twilightShifted
        #expect(map.color(at: 0) == map.color(at: 1))
        #expect(ColorMap.phasePosition(0) == 0.5)
        #expect(ColorMap.phasePosition(-Double.pi / 2) == 0.25)
        #expect(ColorMap.phasePosition(Double.pi) == 0, "π wraps onto −π")
        let middle: RGB = map.color(at: 0.5), end: RGB = map.color(at: 0)
        #expect(middle.green > 200, "light at 0 rad")
        #expect(end.green < 40, "dark at ±π")
        let spectrum = try #require(try KernelSpectrum.analyse(KernelSpecification.parse("sobel-x"), rows: 8, columns: 8).first)
        let lines = TerminalHeatmap.renderPhase(real: spectrum.response.real, imaginary: spectrum.response.imaginary,
                                                rows: 8, columns: 8, mode: .plain)
        #expect(lines.count == 8)
        #expect(lines[4] == "  ↑ ↑ ↑   ↓ ↓ ↓ ", "fx = −1 and DC blank (|H| = 0), fx < 0: +π/2, fx > 0: −π/2; got '\(lines[4])'")
        #expect(lines[0].allSatisfy { $0 == " " }, "fy = −1: |H| = 0")
    }

    @Test("figures: --phase adds a panel; filter spectra have frequency ticks and a colour bar right of the panel")
    func figures() throws {
        let spectrum = try #require(try KernelSpectrum.analyse(KernelSpecification.parse("gabor:15:30:4:2")).first)
        let plain = SpectrumRendering.figure(spectrum, decibels: false), withPhase = SpectrumRendering.figure(spectrum, decibels: false, phase: true)
        #expect(withPhase.width >= plain.width + 256 && withPhase.height == plain.height)
        let reds: Set<UInt8> = Set(stride(from: 0, to: withPhase.pixels.count, by: 3).map { (offset: Int) -> UInt8 in withPhase.pixels[offset] })
        #expect(reds.count > 20)

        let magnitude: [Double] = (0..<1600).map { (index: Int) -> Double in Double(index % 40 + index / 40) }
        let figure = ImageFiltering.spectrumFigure(magnitude, rows: 40, columns: 40, title: "TEST", caption: ["CAPTION"])
        func pixel(_ x: Int, _ y: Int) -> RGB {
            let offset = (y * figure.width + x) * 3
            return RGB(figure.pixels[offset], figure.pixels[offset + 1], figure.pixels[offset + 2])
        }
        // The panel is 256 px square; right of it some column runs through the whole viridis bar.
        #expect(figure.width > 256 + 100 && figure.height > 256 + 60)
        let barColumns = (256..<figure.width).filter { x in
            let column = (0..<figure.height).map { pixel(x, $0) }
            return column.contains(ColorMap.viridis.color(at: 1)) && column.contains(ColorMap.viridis.color(at: 0))
                && column.contains(ColorMap.viridis.color(at: 0.5))
        }
        #expect(!barColumns.isEmpty, "no colour bar right of the panel")
    }

    @Test("a grid smaller than the kernel is refused")
    func gridTooSmall() throws {
        let kernel = try #require(try KernelPreset.make("box:9"))
        expectSpectralError("smaller than kernel") { _ = try FrequencyResponse(kernel: kernel, rows: 8, columns: 8) }
    }

    @Test("terminal colour mode: plain when not a terminal or NO_COLOR; truecolor and 256 by COLORTERM and TERM")
    func colorModeDetection() {
        #expect(TerminalColorMode.detect(environment: ["COLORTERM": "truecolor", "TERM": "xterm"], isTerminal: false) == .plain)
        #expect(TerminalColorMode.detect(environment: ["COLORTERM": "truecolor", "TERM": "xterm"], isTerminal: true) == .truecolor)
        #expect(TerminalColorMode.detect(environment: ["TERM": "xterm-256color"], isTerminal: true) == .palette256)
        #expect(TerminalColorMode.detect(environment: ["TERM": "xterm-256color", "NO_COLOR": "1"], isTerminal: true) == .plain)
        #expect(TerminalColorMode.detect(environment: ["TERM": "dumb"], isTerminal: true) == .plain)
    }
}

extension KernelSpectrum {
    /// Every kernel analysed on a `rows × columns` grid.
    static func analyse(_ kernels: [SpectralKernel], rows: Int = 64, columns: Int = 64) throws -> [KernelSpectrum] {
        try kernels.map { try KernelSpectrum(kernel: $0, rows: rows, columns: columns) }
    }
}
