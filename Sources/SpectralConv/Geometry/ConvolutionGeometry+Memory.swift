import Foundation

extension ConvolutionGeometry {
    /// Bytes of the input, weight and output tensors together for scalars of `scalarSize` bytes
    /// (4 for Float, 8 for Double), or nil when the count overflows `Int`.
    public func tensorBytes(scalarSize: Int) -> Int? {
        var total = 0
        for shape in [inputShape, weightShape, outputShape] {
            var count = scalarSize
            for extent in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: extent)
                guard !overflow else { return nil }
                count = product
            }
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { return nil }
            total = sum
        }
        return total
    }

    /// Checks that the tensors of this convolution fit comfortably in memory, so that an absurd
    /// size from the command line fails with a message instead of an allocation trap.
    /// - Parameters:
    ///   - scalarSize: bytes per element.
    ///   - limit: the largest acceptable total; half the physical memory by default.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` saying how much is needed and allowed.
    public func checkFitsInMemory(scalarSize: Int, limit: UInt64 = ProcessInfo.processInfo.physicalMemory / 2) throws(SpectralConvError) {
        let gib = Double(1 << 30)
        guard let bytes = tensorBytes(scalarSize: scalarSize), UInt64(bytes) <= limit else {
            let needed = tensorBytes(scalarSize: scalarSize).map { String(format: "%.1f GiB", Double($0) / gib) } ?? "more than 2^63 bytes"
            throw .invalidArgument(
                "input \(inputShape), weight \(weightShape) and output \(outputShape) need \(needed); at most \(String(format: "%.1f GiB", Double(limit) / gib)) (half the memory) is allowed")
        }
    }
}
