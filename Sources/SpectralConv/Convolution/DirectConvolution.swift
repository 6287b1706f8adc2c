/// PLACEHOLDER — being written.
enum DirectConvolution {
    static func forward<S: TensorScalar>(input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>, geometry: ConvolutionGeometry, parallelism: Parallelism) {
        fatalError("direct path not written yet")
    }
}
