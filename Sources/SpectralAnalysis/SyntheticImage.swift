import Foundation
import SpectralConv

/// Generated test pictures, so demos and tests need no downloads.
public enum SyntheticImage {
    /// A natural-looking grayscale picture: smooth shaded discs and bars over a 1/f-like texture
    /// (a sum of random sinusoids with amplitude ∝ 1/frequency), plus a sharp-edged square; values
    /// span 0…255. Reproducible from `seed`; RGB when `color` (each channel shifted a little).
    public static func natural(width: Int, height: Int, color: Bool = false, seed: UInt64 = 1) -> PNGImage {
        var random = SplitMix64(seed: seed)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        var waves: [(fx: Double, fy: Double, phase: Double, amplitude: Double)] = []
        for _ in 0..<48 {
            let radius = 0.01 * pow(40, uniform()), angle = 2 * Double.pi * uniform()
            waves.append((radius * cos(angle), radius * sin(angle), 2 * .pi * uniform(), 0.012 / radius))
        }
        var discs: [(x: Double, y: Double, r: Double, v: Double)] = []
        for _ in 0..<6 { discs.append((uniform() * Double(width), uniform() * Double(height), (0.05 + 0.15 * uniform()) * Double(min(width, height)), uniform() - 0.5)) }
        let channels = color ? 3 : 1
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                var v = 0.5
                for wave in waves { v += wave.amplitude * 0.02 * sin(2 * .pi * (wave.fx * Double(x) + wave.fy * Double(y)) + wave.phase) }
                for disc in discs {
                    let d = ((Double(x) - disc.x) * (Double(x) - disc.x) + (Double(y) - disc.y) * (Double(y) - disc.y)).squareRoot()
                    v += disc.v * 0.35 / (1 + exp((d - disc.r) / 0.7))
                }
                if x > width / 8, x < width / 3, y > height / 2, y < height * 3 / 4 { v += 0.25 }
                for c in 0..<channels {
                    let shifted = v + (color ? 0.08 * Double(c - 1) * sin(Double(x + 2 * y) / 23) : 0)
                    pixels[(y * width + x) * channels + c] = UInt8((min(max(shifted, 0), 1) * 255).rounded())
                }
            }
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// A `period`-pixel checkerboard of 0 and 255.
    public static func checkerboard(width: Int, height: Int, period: Int = 8) -> PNGImage {
        PNGImage(width: width, height: height, channels: 1, pixels: (0..<(width * height)).map { index in
            ((index % width) / period + (index / width) / period) % 2 == 0 ? 0 : 255
        })
    }

    /// Parses `synthetic:WxH` or `synthetic-rgb:WxH` into a generated image, nil for any other text.
    public static func named(_ text: String) throws(SpectralConvError) -> PNGImage? {
        let lower = text.lowercased()
        guard lower.hasPrefix("synthetic:") || lower.hasPrefix("synthetic-rgb:") else { return nil }
        let size = lower.split(separator: ":").last.map { $0.split(separator: "x").compactMap { Int($0) } } ?? []
        guard size.count == 2, (8...4096).contains(size[0]), (8...4096).contains(size[1]) else {
            throw .invalidArgument("'\(text)': expected synthetic:WxH or synthetic-rgb:WxH with sides in 8...4096")
        }
        return natural(width: size[0], height: size[1], color: lower.hasPrefix("synthetic-rgb"))
    }
}
