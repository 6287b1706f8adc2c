extension ConvolutionAlgorithm {
    /// Parses a comma-separated list of algorithm names (`direct,im2col,fft,auto,autotune`), keeping the
    /// given order and dropping repeats.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for an unknown name or an empty list.
    public static func parseList(_ text: String) throws(SpectralConvError) -> [ConvolutionAlgorithm] {
        var result: [ConvolutionAlgorithm] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let algorithm = try ConvolutionAlgorithm(parsing: String(part.trimmingWhitespace))
            if !result.contains(algorithm) { result.append(algorithm) }
        }
        guard !result.isEmpty else {
            throw .invalidArgument("algorithm list '\(text)' is empty; expected names from direct, im2col, fft, auto, autotune separated by commas")
        }
        return result
    }
}
