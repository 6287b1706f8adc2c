import SpectralConv

/// Reproducible shuffling of sample order: one seed fixes initialisation (``Sequential``),
/// dropout masks (``Dropout``) and, through this type, the order batches are drawn in.
public enum Shuffle {
    /// A uniformly random permutation of `0..<count` (Fisher–Yates with SplitMix64; the draw for
    /// position `i` is `next() % (i + 1)`, whose bias below 2⁻³² is irrelevant here).
    public static func permutation(count: Int, generator: inout SplitMix64) -> [Int] {
        var order = Array(0..<max(count, 0))
        if order.count < 2 { return order }
        for index in stride(from: order.count - 1, to: 0, by: -1) {
            let other = Int(generator.next() % UInt64(index + 1))
            order.swapAt(index, other)
        }
        return order
    }

    /// The permutation of epoch `epoch` for a run seeded with `seed`: the same pair always gives the
    /// same order, and different epochs give independent orders.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var mixer = SplitMix64(seed: seed ^ 0x5348_5546_464C_4521)  // "SHUFFLE!": decorrelates from init seeds
        for _ in 0...max(epoch, 0) { _ = mixer.next() }
        var generator = SplitMix64(seed: mixer.next())
        return permutation(count: count, generator: &generator)
    }
}
