/// A pair of spatial extents, height first (the order of the H and W axes in NCHW).
///
/// Written as an integer literal it means the same value on both axes: `stride: 2` is `2×2`.
/// One-dimensional convolutions use only ``width``.
public struct SpatialPair: Sendable, Hashable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The extent along H (rows).
    public var height: Int
    /// The extent along W (columns), and the only one a 1-D convolution uses.
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The same value on both axes.
    public init(_ both: Int) { self.init(height: both, width: both) }

    public init(integerLiteral value: Int) { self.init(value) }

    public var description: String { height == width ? "\(height)" : "\(height)x\(width)" }
}
