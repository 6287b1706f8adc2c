/// An 8-bit sRGB colour.
public struct RGB: Sendable, Equatable {
    public var red: UInt8, green: UInt8, blue: UInt8
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) { (self.red, self.green, self.blue) = (red, green, blue) }
}

/// A colour map: piecewise-linear interpolation between tabulated key colours, evenly spaced on [0, 1].
public struct ColorMap: Sendable {
    /// The key colours, first at 0, last at 1.
    public let keys: [RGB]

    /// Viridis-like sequential map (perceptually uniform, colour-blind safe, monotone in lightness),
    /// for magnitudes: matplotlib's viridis sampled at 0, 1/8, …, 1.
    public static let viridis = ColorMap(keys: [
        RGB(68, 1, 84), RGB(71, 44, 122), RGB(59, 82, 139), RGB(44, 113, 142), RGB(33, 145, 140),
        RGB(39, 173, 129), RGB(92, 200, 99), RGB(170, 220, 50), RGB(253, 231, 37),
    ])

    /// Diverging blue–grey–red map (Moreland's cool-warm), for signed kernel weights: 0.5 is zero.
    public static let coolWarm = ColorMap(keys: [
        RGB(59, 76, 192), RGB(98, 130, 234), RGB(141, 176, 254), RGB(184, 208, 249), RGB(221, 221, 221),
        RGB(245, 196, 173), RGB(244, 154, 123), RGB(222, 96, 77), RGB(180, 4, 38),
    ])

    /// Cyclic map for phases (matplotlib's twilight_shifted sampled at 0, 1/16, …, 1; perceptually
    /// uniform, equal ends): dark purple at 0 and 1, blue at ¼, near-white at ½, red at ¾. With
    /// `t = (φ + π) / 2π` a phase of 0 is light, ±π/2 blue/red (the signs of ``coolWarm``) and ±π
    /// the same dark colour, so the wrap-around at ±π shows no seam.
    public static let twilightShifted = ColorMap(keys: [
        RGB(47, 20, 54), RGB(69, 19, 92), RGB(89, 42, 143), RGB(94, 81, 173), RGB(98, 118, 186),
        RGB(114, 151, 193), RGB(149, 181, 199), RGB(196, 206, 212), RGB(226, 217, 226), RGB(216, 199, 190),
        RGB(204, 163, 137), RGB(194, 124, 99), RGB(178, 86, 82), RGB(152, 53, 80), RGB(116, 30, 79),
        RGB(74, 19, 66), RGB(47, 20, 54),
    ])

    /// The ``twilightShifted`` position of a phase `φ` in radians: `(φ + π) / 2π`, wrapped to [0, 1].
    public static func phasePosition(_ phase: Double) -> Double {
        let t = (phase + .pi) / (2 * .pi)
        return t - t.rounded(.down)
    }

    /// The colour at `t` (clamped to [0, 1]; NaN maps to 0).
    public func color(at t: Double) -> RGB {
        let clamped = t.isNaN ? 0 : Swift.min(Swift.max(t, 0), 1)
        let position = clamped * Double(keys.count - 1)
        let lower = Swift.min(Int(position), keys.count - 2)
        let fraction = position - Double(lower)
        let a = keys[lower], b = keys[lower + 1]
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) + (Double(y) - Double(x)) * fraction).rounded()) }
        return RGB(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
    }
}
