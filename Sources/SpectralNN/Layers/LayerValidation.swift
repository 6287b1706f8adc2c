import SpectralConv

/// Shape checks shared by the layers: every message names the layer and what it expected.
enum LayerValidation {
    /// Throws unless `shape` has `rank` extents, all positive.
    static func requireRank(_ shape: [Int], _ rank: Int, layer: String, expected layout: String) throws(SpectralConvError) {
        guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
            throw .invalidShape("\(layer) expects \(layout), got \(shape)")
        }
    }

    /// Throws unless `value ≥ minimum`.
    static func requireAtLeast(_ value: Int, _ minimum: Int, _ what: String, layer: String) throws(SpectralConvError) {
        guard value >= minimum else { throw .invalidArgument("\(layer): \(what) must be at least \(minimum), got \(value)") }
    }

    /// Throws unless the batch's per-sample shape is `expected` (the shape the layer was built for).
    static func requireSampleShape(_ shape: [Int], _ expected: [Int], layer: String) throws(SpectralConvError) {
        guard shape.count == expected.count + 1, Array(shape.dropFirst()) == expected, shape[0] > 0 else {
            throw .invalidShape("\(layer) expects a batch of \(expected), got \(shape)")
        }
    }
}
