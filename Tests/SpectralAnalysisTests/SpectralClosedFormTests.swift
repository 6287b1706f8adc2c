import Foundation
import SpectralAnalysis
import SpectralConv
import Testing

/// The largest |computed − expected| over the grid of `response`, `expected` a function of (ωx, ωy).
private func maxDeviation(_ response: FrequencyResponse, signed: Bool = false, _ expected: (Double, Double) -> Double) -> Double {
    var worst = 0.0
    let magnitude = response.magnitude
    for i in 0..<response.rows {
        for j in 0..<response.columns {
            let wx = .pi * response.fx(column: j), wy = .pi * response.fy(row: i)
            let value = signed ? response.real[i * response.columns + j] : magnitude[i * response.columns + j]
            worst = max(worst, abs(value - expected(wx, wy)))
        }
    }
    return worst
}

private func preset(_ spec: String) throws -> SpectralKernel {
    try #require(try KernelPreset.make(spec))
}

private func analyse(_ kernel: SpectralKernel, grid: Int = 64) throws -> (FrequencyResponse, SpectralMeasures) {
    let rows = kernel.isOneDimensional ? 1 : grid
    let response = try FrequencyResponse(kernel: kernel, rows: rows, columns: grid)
    return (response, SpectralMeasures(kernel: kernel, response: response))
}

/// Closed-form frequency responses: the grid values of FFTW in Double against the formulas.
@Suite("Spectrum closed forms")
struct SpectrumClosedFormTests {
    /// Closed forms hold to Double rounding.
    static let tolerance = 1e-12

    @Test("box k → separable Dirichlet kernel D(ωx)·D(ωy), D(ω) = sin(kω/2) / (k sin(ω/2)), real for odd k")
    func boxIsDirichlet() throws {
        for k in [3, 5, 7] {
            let (response, _) = try analyse(try preset("box:\(k)"))
            func dirichlet(_ w: Double) -> Double { abs(w) < 1e-15 ? 1 : sin(Double(k) * w / 2) / (Double(k) * sin(w / 2)) }
            #expect(maxDeviation(response, signed: true) { dirichlet($0) * dirichlet($1) } <= Self.tolerance, "box:\(k)")
            #expect(response.imaginary.allSatisfy { abs($0) <= Self.tolerance }, "a symmetric odd kernel has zero phase")
        }
    }

    @Test("[1,2,1]/4 → cos²(ω/2): 1 at DC, 0 at Nyquist (1-D)")
    func binomialIsCosineSquared() throws {
        let kernel = try #require(try KernelSpecification.parse("[1,2,1]/4").first)
        #expect(kernel.isOneDimensional)
        let (response, measures) = try analyse(kernel)
        #expect(response.rows == 1)
        #expect(maxDeviation(response, signed: true) { wx, _ in pow(cos(wx / 2), 2) } <= Self.tolerance)
        #expect(abs(measures.dcGain - 1) <= Self.tolerance)
        #expect(measures.nyquistGain <= Self.tolerance)
        #expect(measures.label == .lowPass)
    }

    @Test("laplacian-4 → −(4 − 2cos ωx − 2cos ωy) (convolution orientation, real)")
    func laplacianClosedForm() throws {
        let (response, measures) = try analyse(try preset("laplacian-4"))
        #expect(maxDeviation(response, signed: true) { -(4 - 2 * cos($0) - 2 * cos($1)) } <= Self.tolerance)
        #expect(maxDeviation(response) { 4 - 2 * cos($0) - 2 * cos($1) } <= Self.tolerance)
        #expect(abs(measures.peak.gain - 8) <= Self.tolerance)
        #expect(measures.label == .highPass)
    }

    @Test("identity → |H| = 1 everywhere, all-pass")
    func identityIsAllPass() throws {
        for spec in ["identity", "identity:5"] {
            let (response, measures) = try analyse(try preset(spec))
            #expect(maxDeviation(response) { _, _ in 1 } <= Self.tolerance, "\(spec)")
            #expect(measures.label == .allPass)
        }
    }

    @Test("sobel-x → H = 2i·sin ωx·(2 + 2cos ωy)... zero along ωx = 0 and at DC and Nyquist")
    func sobelVanishesOnVerticalAxis() throws {
        let (response, measures) = try analyse(try preset("sobel-x"))
        #expect(maxDeviation(response) { abs(2 * sin($0) * (2 + 2 * cos($1))) } <= Self.tolerance)
        let magnitude = response.magnitude
        let zeroColumn = response.columns / 2
        for i in 0..<response.rows { #expect(magnitude[i * response.columns + zeroColumn] <= Self.tolerance) }
        #expect(abs(measures.dcGain) <= Self.tolerance)
        #expect(abs(measures.peak.fx) == 0.5 && measures.peak.fy == 0, "the peak of |sin ωx| sits at half Nyquist")
        #expect(measures.orientationDegrees < 1 || measures.orientationDegrees > 179)
        #expect(measures.isDirectional)
    }

    @Test("sobel, scharr, prewitt → band-pass under the documented thresholds; the y variants point at 90°")
    func edgeDetectorsAreBandPass() throws {
        for spec in ["sobel-x", "sobel-y", "scharr-x", "scharr-y", "prewitt-x", "prewitt-y"] {
            let (_, measures) = try analyse(try preset(spec))
            #expect(measures.label == .bandPass, "\(spec): \(measures.label)")
            if spec.hasSuffix("-y") { #expect(abs(measures.orientationDegrees - 90) < 1, "\(spec)") }
        }
    }

    @Test("gaussian k σ → the periodised Gaussian exp(−σ²ω²/2) (sampled, so aliased copies add), low-pass")
    func gaussianIsGaussianLowPass() throws {
        let sigma = 1.0
        let (response, measures) = try analyse(try preset("gaussian:11:\(sigma)"))
        func periodised(_ w: Double) -> Double {
            (-3...3).map { m in exp(-pow(sigma * (w + 2 * .pi * Double(m)), 2) / 2) }.reduce(0, +)
                / (-3...3).map { m in exp(-pow(sigma * 2 * .pi * Double(m), 2) / 2) }.reduce(0, +)
        }
        #expect(maxDeviation(response) { periodised($0) * periodised($1) } <= 1e-6)
        #expect(measures.label == .lowPass)
        #expect(measures.orientationStrength < 0.01)
        let profile = measures.radialProfile
        #expect(zip(profile, profile.dropFirst()).allSatisfy { $0 >= $1 - 1e-12 }, "a Gaussian's radial profile falls monotonically")
    }

    @Test("gabor k θ λ σ → peak at 2/λ·(cos θ, sin θ), orientation θ, band-pass")
    func gaborPeaksAtItsFrequency() throws {
        for (theta, lambda) in [(0.0, 4.0), (45.0, 4.0), (30.0, 5.0), (120.0, 6.0)] {
            let (response, measures) = try analyse(try preset("gabor:21:\(theta):\(lambda):3"), grid: 128)
            let step = 2.0 / Double(response.columns)
            var fx = 2 / lambda * cos(theta * .pi / 180), fy = 2 / lambda * sin(theta * .pi / 180)
            if !(measures.peak.fy > 0 || (measures.peak.fy == 0 && measures.peak.fx >= 0)) { (fx, fy) = (-fx, -fy) }
            if fy < 0 || (fy == 0 && fx < 0) { (fx, fy) = (-fx, -fy) }
            #expect(abs(measures.peak.fx - fx) <= step && abs(measures.peak.fy - fy) <= step,
                    "θ \(theta) λ \(lambda): peak (\(measures.peak.fx), \(measures.peak.fy)), expected (\(fx), \(fy))")
            #expect(abs(measures.orientationDegrees - theta) < 2, "θ \(theta): \(measures.orientationDegrees)")
            #expect(measures.isDirectional)
            #expect(measures.label == .bandPass, "θ \(theta): \(measures.label)")
        }
    }

    @Test("labels: box and gaussian low-pass; laplacians and sharpen − identity high-pass; DoG, LoG, gabor band-pass")
    func labels() throws {
        let expected: [(String, FilterLabel)] = [
            ("box:3", .lowPass), ("box:5", .lowPass), ("box:4", .lowPass), ("gaussian:5:1", .lowPass), ("gaussian:9:2", .lowPass),
            ("laplacian-4", .highPass), ("laplacian-8", .highPass), ("sharpen", .highPass),
            ("dog:9:1:2", .bandPass), ("dog:15:1:3", .bandPass), ("log:9:1.4", .bandPass), ("gabor:15:0:4:2", .bandPass),
            ("identity", .allPass),
        ]
        for (spec, label) in expected {
            let (_, measures) = try analyse(try preset(spec))
            #expect(measures.label == label, "\(spec): \(measures.label), expected \(label)")
        }
        let difference = try preset("sharpen").subtracting(try preset("identity"))
        #expect(try analyse(difference).1.label == .highPass)
    }

    @Test("emboss is band-pass: identity (DC 1) plus a diagonal derivative that peaks mid-band")
    func embossLabel() throws {
        // [[−2,−1,0],[−1,1,1],[0,1,2]] = identity + an antisymmetric diagonal derivative, so
        // |H|² = 1 + A², A the derivative's (real) response: |H(DC)| = 1 (Σw), the peak ≈ 7.1 lies on
        // the diagonal near r ≈ 0.42, the ring average at r = 1 is ≈ 1.69 and G ≈ 5.30. Both ends
        // are ≤ G/2 (0.19·G and 0.32·G), so the documented thresholds say band-pass, like Sobel.
        let (_, measures) = try analyse(try preset("emboss"))
        #expect(abs(measures.dcGain - 1) <= Self.tolerance)
        #expect(abs(measures.dcGain) <= measures.thresholds.stop * measures.referenceGain)
        #expect(measures.nyquistGain <= measures.thresholds.stop * measures.referenceGain)
        #expect(abs(measures.peak.fx - measures.peak.fy) <= 2.0 / 64 + 1e-12, "peak on the diagonal: \(measures.peak)")
        #expect(measures.label == .bandPass)
    }

    @Test("phase: sobel-x is −2i·sin ωx·(2 + 2cos ωy) → +π/2 for fx < 0, −π/2 for fx > 0, undefined on its zeros (fx = 0, fx = −1, fy = −1)")
    func sobelPhase() throws {
        let (response, _) = try analyse(try preset("sobel-x"), grid: 16)
        let phase = response.phase()
        for i in 0..<16 {
            for j in 0..<16 {
                let fx = response.fx(column: j), fy = response.fy(row: i), value = phase[i * 16 + j]
                if fx == 0 || fx == -1 || fy == -1 {
                    #expect(value.isNaN, "(\(fx), \(fy)): |H| = 0 there, phase \(value)")
                } else {
                    #expect(abs(value - (fx < 0 ? .pi / 2 : -.pi / 2)) <= Self.tolerance, "(\(fx), \(fy)): \(value)")
                }
            }
        }
        // The unmasked phase is atan2 of rounding residue there; the raw property still gives a number.
        #expect(response.phase.allSatisfy { !$0.isNaN })
    }

    @Test("phase: [1,−1] (centre tap 0) is 1 − e^{−iω} = 2i·sin(ω/2)·e^{−iω/2} → ±π/2 − ω/2, linear between the jump")
    func differencePhase() throws {
        let kernel = try #require(try KernelSpecification.parse("[1,-1]").first)
        let (response, _) = try analyse(kernel, grid: 32)
        let phase = response.phase()
        for j in 0..<32 {
            let w = .pi * response.fx(column: j)
            if w == 0 {
                #expect(phase[j].isNaN)
            } else {
                #expect(abs(phase[j] - ((w > 0 ? 1 : -1) * .pi / 2 - w / 2)) <= Self.tolerance, "ω \(w): \(phase[j])")
            }
        }
    }

    @Test("the high-frequency energy fraction obeys Parseval: Σ|H|² = N·M·Σw²")
    func parseval() throws {
        let kernel = try preset("emboss")
        let (response, measures) = try analyse(kernel)
        let energy = response.magnitude.map { $0 * $0 }.reduce(0, +)
        let weights = kernel.weights.scalars.map { $0 * $0 }.reduce(0, +)
        #expect(abs(energy - Double(response.rows * response.columns) * weights) <= 1e-9 * energy)
        #expect((0...1).contains(measures.highFrequencyEnergyFraction))
        let laplacian = try analyse(try preset("laplacian-4")).1, box = try analyse(try preset("box:5")).1
        #expect(laplacian.highFrequencyEnergyFraction > 0.8 && box.highFrequencyEnergyFraction < 0.2)
    }

    @Test("the centred grid: DC at [N/2, M/2], fx from −1 in steps of 2/M; non-square grids")
    func gridAxes() throws {
        let response = try FrequencyResponse(kernel: try preset("box:3"), rows: 32, columns: 48)
        #expect(response.fx(column: 0) == -1 && response.fx(column: 24) == 0 && response.fy(row: 16) == 0)
        #expect(abs(response.real[16 * 48 + 24] - 1) <= Self.tolerance)
        #expect(response.magnitude.max()! <= 1 + Self.tolerance)
    }
}
