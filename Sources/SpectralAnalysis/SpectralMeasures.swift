import Foundation
import SpectralConv

/// What kind of filter a kernel is, decided by ``LabelThresholds``.
public enum FilterLabel: String, Sendable, CaseIterable, Codable {
    case lowPass = "low-pass"
    case highPass = "high-pass"
    case bandPass = "band-pass"
    case bandStop = "band-stop"
    case allPass = "all-pass"
    case mixed
}

/// The thresholds behind ``FilterLabel``; every output prints them with the label.
///
/// All levels are fractions of the **reference gain** `G` = the largest value of the radial
/// profile (annular average of |H| over `0 ≤ r ≤ 1`). With `low` = |H(DC)| (= |Σ w|) and
/// `high` = the profile's Nyquist annulus (average |H| around the circle r = 1):
///
/// 1. **all-pass** when `min |H| ≥ flatness · max |H|` over the whole grid;
/// 2. **low-pass** when `low ≥ pass·G` and `high ≤ stop·G`;
/// 3. **high-pass** when `high ≥ pass·G` and `low ≤ stop·G`;
/// 4. **band-pass** when `low ≤ stop·G` and `high ≤ stop·G` (the gain peaks in between);
/// 5. **band-stop** when `low ≥ pass·G`, `high ≥ pass·G` and the profile dips to `≤ stop·G` in between;
/// 6. **mixed** otherwise (a transition-band value at DC or Nyquist, or a directional kernel whose
///    ring averages do not separate).
///
/// Edge detectors (Sobel, Scharr, Prewitt) vanish at DC **and** on the axes at Nyquist, and their
/// ring average at r = 1 is about a fifth of their peak ring average (at r ≈ 0.5): with these
/// thresholds they are **band-pass** — derivatives regularised at the top of the band — not
/// high-pass, which here requires the gain near Nyquist to be within `pass` (−3 dB) of the peak.
public struct LabelThresholds: Sendable, Equatable, Codable {
    /// A level counts as "passing" at or above this fraction of G (default 1/√2, −3 dB).
    public var pass: Double = 1 / 2.0.squareRoot()
    /// A level counts as "stopping" at or below this fraction of G (default 0.5, −6 dB).
    public var stop: Double = 0.5
    /// All-pass when min |H| / max |H| is at least this (default 0.9, within 0.9 dB).
    public var flatness: Double = 0.9
    /// The cutoff radius of the high-frequency energy fraction (default 0.5, half of Nyquist).
    public var cutoff: Double = 0.5
    /// A kernel is reported as directional when its orientation strength reaches this (default 0.3).
    public var directional: Double = 0.3

    /// The defaults above.
    public init() {}

    /// One line for terminal output.
    public var summary: String {
        String(format: "pass ≥ %.3f·G (%.1f dB), stop ≤ %.3f·G (%.1f dB), all-pass min/max ≥ %.2f, HF cutoff r > %.2f, directional strength ≥ %.2f; G = peak of the radial profile",
               pass, 20 * log10(pass), stop, 20 * log10(stop), flatness, cutoff, directional)
    }
}

/// The measures of one kernel's frequency response (see ``FrequencyResponse`` for the axes).
public struct SpectralMeasures: Sendable {
    /// `H(0) = Σ w`, signed (0 when below 1e-12·Σ|w|).
    public let dcGain: Double
    /// Average |H| over the Nyquist annulus (the ring `r = 1` of the grid; for a 1-D kernel |H(π)|).
    public let nyquistGain: Double
    /// The grid bin with the largest |H|: normalised `(fx, fy)` and the gain there.
    public let peak: (fx: Double, fy: Double, gain: Double)
    /// Radii (bin centres, steps of one grid bin `2/min(N, M)`, 0…1) of ``radialProfile``.
    public let radialRadii: [Double]
    /// Annular average of |H| per radius bin (bin `b` holds `r ∈ [(b − ½)Δ, (b + ½)Δ)`).
    public let radialProfile: [Double]
    /// `Σ_{r > cutoff} |H|² / Σ |H|²` over the grid; the denominator is `N·M·Σ w²` (Parseval).
    public let highFrequencyEnergyFraction: Double
    /// Dominant orientation of the magnitude, degrees in [0, 180): the direction of the frequency
    /// vector (from +fx towards +fy, i.e. towards image-down), from the |H|²-weighted doubled-angle
    /// mean over `0 < r ≤ 1` (0 for a 1-D kernel).
    public let orientationDegrees: Double
    /// Length of that doubled-angle mean, 0 (isotropic) … 1 (all energy along one line).
    public let orientationStrength: Double
    /// The label, by ``thresholds``.
    public let label: FilterLabel
    /// The thresholds that decided ``label``.
    public let thresholds: LabelThresholds
    /// min |H| / max |H| over the grid.
    public let flatness: Double
    /// The reference gain G of the label rules (largest radial-profile value).
    public let referenceGain: Double

    /// Measures `response`, the response of `kernel` on its grid.
    public init(kernel: SpectralKernel, response: FrequencyResponse, thresholds: LabelThresholds = .init()) {
        let magnitude = response.magnitude
        let (rows, columns) = (response.rows, response.columns)
        self.thresholds = thresholds
        // Σ w, with sums below 1e-12·Σ|w| (rounding residue of zero-sum kernels) reported as 0.
        let sum = kernel.weights.scalars.reduce(0, +), absoluteSum = kernel.weights.scalars.reduce(0) { $0 + abs($1) }
        dcGain = abs(sum) <= 1e-12 * absoluteSum ? 0 : sum

        // Peak: largest |H|; near-ties (symmetric lobes) go to the smallest radius, then to the
        // half-plane fy > 0 or (fy = 0, fx ≥ 0), then to the smallest angle.
        var best = 0, bestKey: (Double, Double, Double)?
        let largest = magnitude.max() ?? 0
        for index in magnitude.indices where magnitude[index] >= largest * (1 - 1e-9) {
            let fx = response.fx(column: index % columns), fy = response.fy(row: index / columns)
            let upper = fy > 0 || (fy == 0 && fx >= 0)
            let key = ((fx * fx + fy * fy).squareRoot(), upper ? 0.0 : 1.0, atan2(fy, fx))
            if bestKey.map({ key < $0 }) ?? true {
                best = index
                bestKey = key
            }
        }
        peak = (response.fx(column: best % columns), response.fy(row: best / columns), magnitude[best])

        // Radial profile over annuli of one grid step.
        let step = 2 / Double(rows == 1 ? columns : Swift.min(rows, columns))
        let binCount = Int((1 / step).rounded()) + 1
        var sums = [Double](repeating: 0, count: binCount), counts = [Int](repeating: 0, count: binCount)
        var total = 0.0, above = 0.0
        var doubledCos = 0.0, doubledSin = 0.0, directionalEnergy = 0.0
        for i in 0..<rows {
            let fy = response.fy(row: i)
            for j in 0..<columns {
                let fx = response.fx(column: j)
                let r = (fx * fx + fy * fy).squareRoot()
                let value = magnitude[i * columns + j], energy = value * value
                total += energy
                if r > thresholds.cutoff { above += energy }
                let bin = Int((r / step).rounded())
                if bin < binCount {
                    sums[bin] += value
                    counts[bin] += 1
                }
                if r > 0 && r <= 1 {
                    let angle = 2 * atan2(fy, fx)
                    doubledCos += energy * cos(angle)
                    doubledSin += energy * sin(angle)
                    directionalEnergy += energy
                }
            }
        }
        radialRadii = (0..<binCount).map { Double($0) * step }
        radialProfile = (0..<binCount).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : 0 }
        highFrequencyEnergyFraction = total > 0 ? above / total : 0
        nyquistGain = radialProfile.last ?? 0
        if directionalEnergy > 0 && rows > 1 {
            orientationStrength = (doubledCos * doubledCos + doubledSin * doubledSin).squareRoot() / directionalEnergy
            var degrees = atan2(doubledSin, doubledCos) / 2 * 180 / .pi
            if degrees < 0 { degrees += 180 }
            orientationDegrees = degrees >= 180 - 1e-9 ? 0 : degrees
        } else {
            orientationStrength = 0
            orientationDegrees = 0
        }

        let maximum = largest, minimum = magnitude.min() ?? 0
        flatness = maximum > 0 ? minimum / maximum : 0
        let reference = radialProfile.max() ?? 0
        referenceGain = reference
        label = SpectralMeasures.classify(
            low: abs(dcGain), high: nyquistGain, profile: radialProfile, reference: reference, flatness: flatness, thresholds: thresholds)
    }

    /// Whether the orientation is strong enough to report (``LabelThresholds/directional``).
    public var isDirectional: Bool { orientationStrength >= thresholds.directional }

    /// The label rules of ``LabelThresholds``.
    static func classify(low: Double, high: Double, profile: [Double], reference g: Double, flatness: Double,
                         thresholds t: LabelThresholds) -> FilterLabel {
        guard g > 0 else { return .mixed }
        if flatness >= t.flatness { return .allPass }
        let lowPasses = low >= t.pass * g, lowStops = low <= t.stop * g
        let highPasses = high >= t.pass * g, highStops = high <= t.stop * g
        if lowPasses && highStops { return .lowPass }
        if highPasses && lowStops { return .highPass }
        if lowStops && highStops { return .bandPass }
        if lowPasses && highPasses, let dip = profile.dropFirst().dropLast().min(), dip <= t.stop * g { return .bandStop }
        return .mixed
    }
}
