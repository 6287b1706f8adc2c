/// PLACEHOLDER — being written.
final class Im2colConvolution {
    func forward<S: TensorScalar>(input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>, geometry: ConvolutionGeometry, parallelism: Parallelism) {
        fatalError("im2col path not written yet")
    }
}
