import SpectralConv

extension Sequential {
    /// A structural copy of the model for data-parallel training (``DataParallelGroup``): every
    /// layer's ``Layer/makeReplica()`` — same types, hyper-parameters and names, so parameters have
    /// the same qualified names — with its own ``Parameter`` objects (own gradients) holding the
    /// current values, all convolution layers on `engine`, and every ``ParallelLayer`` set to
    /// `engine`'s thread count.
    /// - Returns: nil when some layer cannot be copied (its `makeReplica()` returns nil).
    /// - Throws: ``SpectralConvError`` from a layer's copy (not expected: the hyper-parameters were valid once).
    public func replica(engine: ConvolutionEngine) throws(SpectralConvError) -> Sequential? {
        var copies: [any Layer<Scalar>] = []
        for layer in layers {
            guard let copy = try layer.makeReplica() else { return nil }
            copies.append(copy)
        }
        return try Sequential(inputShape: inputShape, layers: copies, seed: nil, engine: engine)
    }
}
