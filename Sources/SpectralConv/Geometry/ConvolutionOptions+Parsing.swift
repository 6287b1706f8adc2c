extension ConvolutionOptions {
    /// Builds options from their command-line spellings.
    ///
    /// - Parameters:
    ///   - stride: `S` or `SHxSW` (only `S` when `oneDimensional`).
    ///   - padding: `valid`, `same`, `full`, `P`, `PH,PW` or `T,B,L,R` (see ``Padding/init(parsing:oneDimensional:)``).
    ///   - dilation: `D` or `DHxDW` (only `D` when `oneDimensional`).
    ///   - groups: channel groups, ≥ 1.
    ///   - oneDimensional: whether the convolution is over NCL sequences.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` naming the option that is malformed or out
    ///   of range (extents and paddings above ``SpatialPair/parsingLimit`` included).
    public init(parsingStride stride: String, padding: String, dilation: String, groups: Int, oneDimensional: Bool) throws(SpectralConvError) {
        guard groups >= 1 else { throw .invalidArgument("groups must be at least 1, got \(groups)") }
        let parsedPadding = try Padding(parsing: padding, oneDimensional: oneDimensional)
        if case .explicit(let top, let bottom, let left, let right) = parsedPadding,
           max(top, bottom, left, right) > SpatialPair.parsingLimit {
            throw .invalidArgument("padding must be at most \(SpatialPair.parsingLimit) per side, got '\(padding)'")
        }
        self.init(
            stride: try SpatialPair(parsing: stride, name: "stride", oneDimensional: oneDimensional),
            padding: parsedPadding,
            dilation: try SpatialPair(parsing: dilation, name: "dilation", oneDimensional: oneDimensional),
            groups: groups)
    }
}
