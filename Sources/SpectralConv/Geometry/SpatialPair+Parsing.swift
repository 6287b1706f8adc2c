extension SpatialPair {
    /// The largest extent the command-line parsers accept (2³¹ − 1).
    public static let parsingLimit = Int(Int32.max)

    /// Parses the command-line spelling of a pair of extents: `N` (the same on both axes) or
    /// `HxW` (height first; `X` and `×` also separate), e.g. `2`, `3x1`.
    ///
    /// - Parameters:
    ///   - text: the text to parse.
    ///   - name: what the value is (`stride`, `kernel`, …), for the error message.
    ///   - minimum: the smallest allowed extent (1 for strides and sizes).
    ///   - oneDimensional: when true only the `N` form is accepted and the result is `N` on both axes
    ///     (1-D convolutions use only ``width``).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for any other form, or an extent below
    ///   `minimum` or above ``parsingLimit`` (which keeps later size arithmetic far from overflow).
    public init(parsing text: String, name: String, minimum: Int = 1, oneDimensional: Bool = false) throws(SpectralConvError) {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" })
        let expected = oneDimensional ? "a single integer N (the convolution is 1-D)" : "N or HxW"
        guard parts.count == 1 || (parts.count == 2 && !oneDimensional) else {
            throw .invalidArgument("\(name) '\(text)' is not \(expected)")
        }
        var values: [Int] = []
        for part in parts {
            guard let value = Int(part.trimmingWhitespace) else {
                throw .invalidArgument("\(name) '\(text)' is not \(expected) with integer extents")
            }
            guard value >= minimum else {
                throw .invalidArgument("\(name) must be at least \(minimum), got '\(text)'")
            }
            guard value <= Self.parsingLimit else {
                throw .invalidArgument("\(name) must be at most \(Self.parsingLimit), got '\(text)'")
            }
            values.append(value)
        }
        self.init(height: values[0], width: values.count == 2 ? values[1] : values[0])
    }
}
