import Foundation
import SpectralConv

/// The frequency response of a kernel sampled on a zero-padded `rows × columns` grid (MATLAB's
/// `freqz2` default is 64×64), centred.
///
/// **Orientation.** The response is that of **convolution** with the kernel, its centre tap
/// (``SpectralKernel/centre``) at the spatial origin:
///
///     H(ωx, ωy) = Σ_{a,b} w[a, b] · e^{−i(ωy·(a − cy) + ωx·(b − cx))}
///
/// Cross-correlation with `w` (what CNN layers compute) has the response `conj(H)`: the same
/// magnitude, the opposite phase. Putting the origin at the centre tap makes the phase of a
/// symmetric odd kernel zero (H real); another origin only adds a linear phase — **magnitudes do not
/// depend on it**.
///
/// **Axes.** Normalised frequency `f = ω/π` in `[−1, 1)`, 1 = Nyquist (half the sampling rate):
/// column `j` has `fx = (j − ⌊M/2⌋) · 2/M`, row `i` has `fy = (i − ⌊N/2⌋) · 2/N` — so the centre
/// element is DC and row 0 is `fy = −1` (rows grow downwards, like image rows). Computed with
/// FFTW in Double (``ComplexFFT2D``) after placing tap `(a, b)` at grid index `((a − cy) mod N, (b − cx) mod M)`.
public struct FrequencyResponse: Sendable {
    /// Grid rows N (vertical frequencies; 1 for a 1-D kernel).
    public let rows: Int
    /// Grid columns M (horizontal frequencies).
    public let columns: Int
    /// Real parts of H, centred, row-major `rows × columns`.
    public let real: [Double]
    /// Imaginary parts of H, centred, row-major.
    public let imaginary: [Double]

    /// The default grid side (as `freqz2`).
    public static let defaultGridSize = 64

    /// Samples the response of `kernel` on a `rows × columns` grid (a 1-D kernel needs `rows == 1`).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when the grid is smaller than the kernel
    ///   (the zero-padding would wrap taps onto each other) or larger than 4096 per side.
    public init(kernel: SpectralKernel, rows: Int, columns: Int) throws(SpectralConvError) {
        guard (1...4096).contains(rows), (1...4096).contains(columns) else {
            throw .invalidArgument("frequency grid \(rows)×\(columns) must have sides in 1...4096")
        }
        guard rows >= kernel.height, columns >= kernel.width else {
            throw .invalidArgument("frequency grid \(rows)×\(columns) is smaller than kernel '\(kernel.name)' (\(kernel.height)×\(kernel.width)); expected a grid at least as large as the kernel")
        }
        var real = [Double](repeating: 0, count: rows * columns)
        let centre = kernel.centre
        for a in 0..<kernel.height {
            for b in 0..<kernel.width {
                let i = ((a - centre.row) % rows + rows) % rows, j = ((b - centre.column) % columns + columns) % columns
                real[i * columns + j] += kernel.weights.scalars[a * kernel.width + b]
            }
        }
        let spectrum = try ComplexFFT2D.transform(
            real: real, imaginary: [Double](repeating: 0, count: rows * columns), rows: rows, columns: columns, direction: .forward)
        self.rows = rows
        self.columns = columns
        self.real = FrequencyResponse.centred(spectrum.real, rows: rows, columns: columns)
        self.imaginary = FrequencyResponse.centred(spectrum.imaginary, rows: rows, columns: columns)
    }

    /// `|H|`, centred, row-major.
    public var magnitude: [Double] { zip(real, imaginary).map { ($0 * $0 + $1 * $1).squareRoot() } }

    /// `arg H` in radians (−π, π], centred, row-major (the convolution orientation; negate it for correlation).
    public var phase: [Double] { zip(real, imaginary).map { atan2($1, $0) } }

    /// Where |H| is below this fraction of max |H| (−60 dB, the floor of the dB display) the phase is
    /// treated as undefined by ``phase(relativeFloor:)``: at exact zeros `atan2` only sees rounding
    /// residue, and next to them the phase of a negligible gain says nothing about the filter.
    public static let phaseFloor = 1e-3

    /// `arg H` in radians (−π, π], centred, row-major — NaN where `|H| < relativeFloor · max |H|`
    /// (phase undefined or negligible; every bin is NaN when H is identically zero).
    public func phase(relativeFloor: Double = FrequencyResponse.phaseFloor) -> [Double] {
        let magnitude = self.magnitude, limit = relativeFloor * (magnitude.max() ?? 0)
        return zip(phase, magnitude).map { $1 > 0 && $1 >= limit ? $0 : .nan }
    }

    /// `20·log10 |H|`, with |H| below `floor` (default 1e-12 of nothing) clamped to `floor`.
    public func magnitudeDecibels(floor: Double = 1e-12) -> [Double] {
        magnitude.map { 20 * log10(Swift.max($0, floor)) }
    }

    /// Normalised horizontal frequency of column `j` (`fx ∈ [−1, 1)`).
    public func fx(column j: Int) -> Double { FrequencyResponse.frequency(index: j, count: columns) }
    /// Normalised vertical frequency of row `i` (`fy ∈ [−1, 1)`; 0 for a 1-D grid).
    public func fy(row i: Int) -> Double { FrequencyResponse.frequency(index: i, count: rows) }

    /// `(index − ⌊n/2⌋) · 2/n`: the normalised frequency of a centred bin.
    public static func frequency(index: Int, count: Int) -> Double {
        count == 1 ? 0 : Double(index - count / 2) * 2 / Double(count)
    }

    /// Moves the DFT origin from `[0, 0]` to `[⌊N/2⌋, ⌊M/2⌋]` (NumPy's `fftshift`).
    public static func centred(_ values: [Double], rows: Int, columns: Int) -> [Double] {
        var result = values
        for i in 0..<rows {
            for j in 0..<columns {
                result[((i + rows / 2) % rows) * columns + (j + columns / 2) % columns] = values[i * columns + j]
            }
        }
        return result
    }

    /// The exact response at `(fx, fy)` (normalised frequencies), summed directly from the kernel —
    /// independent of the grid, used for DC and Nyquist gains.
    public static func evaluate(_ kernel: SpectralKernel, fx: Double, fy: Double) -> (real: Double, imaginary: Double) {
        let centre = kernel.centre
        var re = 0.0, im = 0.0
        for a in 0..<kernel.height {
            for b in 0..<kernel.width {
                let w = kernel.weights.scalars[a * kernel.width + b]
                let angle = -.pi * (fy * Double(a - centre.row) + fx * Double(b - centre.column))
                re += w * cos(angle)
                im += w * sin(angle)
            }
        }
        return (re, im)
    }
}
