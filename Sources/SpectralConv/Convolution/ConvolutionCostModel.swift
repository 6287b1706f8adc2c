/// PLACEHOLDER — being written.
public struct ConvolutionCostModel: Sendable, Hashable {
    public static let `default` = ConvolutionCostModel()
    public func fastest(for geometry: ConvolutionGeometry, threads: Int) -> ConvolutionAlgorithm { .im2col }
}
