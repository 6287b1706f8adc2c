import Foundation
import SpectralConv

/// The named kernels of `spectralconv spectrum`, built from their spec (`gaussian:5:1.0`).
///
/// Every preset is written for **convolution** with the tap at ``SpectralKernel/centre`` as origin;
/// `x` is the column offset from the centre (growing to the right), `y` the row offset (growing
/// downwards), angles are measured from +x towards +y (OpenCV's `getGaborKernel` convention).
///
/// | spec | kernel |
/// |---|---|
/// | `identity[:k]` | 1 at the centre of a k×k (default 3) zero kernel |
/// | `box:k` | k×k, every weight 1/k² |
/// | `gaussian:k:σ` | `exp(−(x²+y²)/2σ²)`, normalised to sum 1 |
/// | `sobel-x`, `sobel-y` | `[[−1,0,1],[−2,0,2],[−1,0,1]]` and its transpose |
/// | `scharr-x`, `scharr-y` | `[[−3,0,3],[−10,0,10],[−3,0,3]]` and its transpose |
/// | `prewitt-x`, `prewitt-y` | `[[−1,0,1],[−1,0,1],[−1,0,1]]` and its transpose |
/// | `laplacian-4`, `laplacian-8` | `[[0,1,0],[1,−4,1],[0,1,0]]`, `[[1,1,1],[1,−8,1],[1,1,1]]` |
/// | `log:k:σ` | Laplacian of Gaussian `(r² − 2σ²)/σ⁴ · exp(−r²/2σ²)`, mean removed (sum 0) |
/// | `dog:k:σ1:σ2` | `gaussian:k:σ1 − gaussian:k:σ2` (each normalised, so the sum is 0) |
/// | `sharpen` | `[[0,−1,0],[−1,5,−1],[0,−1,0]]` (identity − laplacian-4) |
/// | `emboss` | `[[−2,−1,0],[−1,1,1],[0,1,2]]` |
/// | `gabor:k:θ:λ:σ` | `exp(−(x′²+y′²)/2σ²) · cos(2π x′/λ)`, `x′ = x cos θ + y sin θ`, θ in degrees |
public enum KernelPreset {
    /// The preset names, for help texts and error messages.
    public static let names = ["identity", "box", "gaussian", "sobel-x", "sobel-y", "scharr-x", "scharr-y",
                               "prewitt-x", "prewitt-y", "laplacian-4", "laplacian-8", "log", "dog",
                               "sharpen", "emboss", "gabor"]

    /// The largest kernel side a preset builds.
    public static let maximumSize = 255

    /// Builds the preset a spec names, or returns nil when the spec's first field is no preset name.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a known preset with missing,
    ///   extra or out-of-range parameters (each message gives the expected form).
    public static func make(_ spec: String) throws(SpectralConvError) -> SpectralKernel? {
        let fields = spec.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        let name = fields[0].lowercased()
        let parameters = Array(fields.dropFirst())
        func fixed(_ rows: [[Double]]) throws(SpectralConvError) -> SpectralKernel {
            guard parameters.isEmpty else { throw .invalidArgument("preset '\(name)' takes no parameters, got '\(spec)'") }
            return try kernel(spec, rows)
        }
        switch name {
        case "identity":
            guard parameters.count <= 1 else { throw usage(spec, "identity or identity:k (odd k)") }
            let k = try parameters.isEmpty ? 3 : size(parameters[0], spec: spec, form: "identity:k (odd k)")
            guard k % 2 == 1 else { throw .invalidArgument("'\(spec)': identity needs an odd size k, got \(k)") }
            return try generated(spec, k) { x, y in x == 0 && y == 0 ? 1 : 0 }
        case "box":
            let p = try expect(spec, parameters, count: 1, form: "box:k")
            let k = try size(p[0], spec: spec, form: "box:k")
            return try generated(spec, k) { _, _ in 1 / Double(k * k) }
        case "gaussian":
            let p = try expect(spec, parameters, count: 2, form: "gaussian:k:σ")
            return try gaussian(spec, try size(p[0], spec: spec, form: "gaussian:k:σ"), try positive(p[1], "σ", spec: spec))
        case "sobel-x": return try fixed([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
        case "sobel-y": return try fixed([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
        case "scharr-x": return try fixed([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]])
        case "scharr-y": return try fixed([[-3, -10, -3], [0, 0, 0], [3, 10, 3]])
        case "prewitt-x": return try fixed([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
        case "prewitt-y": return try fixed([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])
        case "laplacian-4", "laplacian": return try fixed([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
        case "laplacian-8": return try fixed([[1, 1, 1], [1, -8, 1], [1, 1, 1]])
        case "sharpen": return try fixed([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
        case "emboss": return try fixed([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
        case "log":
            let p = try expect(spec, parameters, count: 2, form: "log:k:σ")
            let k = try size(p[0], spec: spec, form: "log:k:σ"), sigma = try positive(p[1], "σ", spec: spec)
            let s2 = sigma * sigma
            var result = try generated(spec, k) { x, y in
                let r2 = x * x + y * y
                return (r2 - 2 * s2) / (s2 * s2) * exp(-r2 / (2 * s2))
            }
            let mean = result.weights.scalars.reduce(0, +) / Double(k * k)
            result.weights = try Tensor(shape: [k, k], scalars: result.weights.scalars.map { $0 - mean })
            return result
        case "dog":
            let p = try expect(spec, parameters, count: 3, form: "dog:k:σ1:σ2")
            let k = try size(p[0], spec: spec, form: "dog:k:σ1:σ2")
            let s1 = try positive(p[1], "σ1", spec: spec), s2 = try positive(p[2], "σ2", spec: spec)
            guard s1 != s2 else { throw .invalidArgument("'\(spec)': dog needs σ1 ≠ σ2 (equal widths cancel to zero)") }
            let difference = try gaussian(spec, k, s1).subtracting(try gaussian(spec, k, s2))
            return try SpectralKernel(name: spec, weights: difference.weights)
        case "gabor":
            let form = "gabor:k:θ:λ:σ (θ in degrees, wavelength λ ≥ 2 pixels)"
            let p = try expect(spec, parameters, count: 4, form: form)
            let k = try size(p[0], spec: spec, form: form)
            guard let thetaDegrees = Double(p[1]), thetaDegrees.isFinite else {
                throw .invalidArgument("'\(spec)': θ must be a number of degrees, got '\(p[1])'; expected \(form)")
            }
            let lambda = try positive(p[2], "λ", spec: spec), sigma = try positive(p[3], "σ", spec: spec)
            guard lambda >= 2 else {
                throw .invalidArgument("'\(spec)': wavelength λ = \(p[2]) is below 2 pixels (the Nyquist wavelength); expected λ ≥ 2")
            }
            let theta = thetaDegrees * .pi / 180
            return try generated(spec, k) { x, y in
                let u = x * cos(theta) + y * sin(theta), v = -x * sin(theta) + y * cos(theta)
                return exp(-(u * u + v * v) / (2 * sigma * sigma)) * cos(2 * .pi * u / lambda)
            }
        default:
            return nil
        }
    }

    // MARK: - Builders

    private static func kernel(_ name: String, _ rows: [[Double]]) throws(SpectralConvError) -> SpectralKernel {
        try SpectralKernel(name: name, weights: try Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { $0 }))
    }

    /// A k×k kernel whose weight at offset (x, y) from the centre is `value(x, y)`.
    private static func generated(_ name: String, _ k: Int, _ value: (Double, Double) -> Double) throws(SpectralConvError) -> SpectralKernel {
        let centre = (k - 1) / 2
        var scalars: [Double] = []
        for row in 0..<k {
            for column in 0..<k { scalars.append(value(Double(column - centre), Double(row - centre))) }
        }
        return try SpectralKernel(name: name, weights: try Tensor(shape: [k, k], scalars: scalars))
    }

    private static func gaussian(_ name: String, _ k: Int, _ sigma: Double) throws(SpectralConvError) -> SpectralKernel {
        var result = try generated(name, k) { x, y in exp(-(x * x + y * y) / (2 * sigma * sigma)) }
        let sum = result.weights.scalars.reduce(0, +)
        result.weights = try Tensor(shape: [k, k], scalars: result.weights.scalars.map { $0 / sum })
        return result
    }

    // MARK: - Parameters

    private static func usage(_ spec: String, _ form: String) -> SpectralConvError {
        .invalidArgument("'\(spec)': expected \(form)")
    }

    private static func expect(_ spec: String, _ parameters: [String], count: Int, form: String) throws(SpectralConvError) -> [String] {
        guard parameters.count == count else {
            throw .invalidArgument("'\(spec)' has \(parameters.count) parameter\(parameters.count == 1 ? "" : "s"), expected \(count): \(form)")
        }
        return parameters
    }

    private static func size(_ text: String, spec: String, form: String) throws(SpectralConvError) -> Int {
        guard let k = Int(text), (1...maximumSize).contains(k) else {
            throw .invalidArgument("'\(spec)': kernel size must be an integer in 1...\(maximumSize), got '\(text)'; expected \(form)")
        }
        return k
    }

    private static func positive(_ text: String, _ name: String, spec: String) throws(SpectralConvError) -> Double {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw .invalidArgument("'\(spec)': \(name) must be a positive number, got '\(text)'")
        }
        return value
    }
}
