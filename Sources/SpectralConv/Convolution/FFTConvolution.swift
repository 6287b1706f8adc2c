/// PLACEHOLDER — being written.
final class FFTConvolution {
    let rigor: FFTPlanRigor
    init(rigor: FFTPlanRigor) { self.rigor = rigor }
    struct Plan {}
    func prepare<S: TensorScalar>(geometry: ConvolutionGeometry, scalar: S.Type, threads: Int) throws(SpectralConvError) -> Plan { Plan() }
    func forward<S: TensorScalar>(input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>, plan: Plan, parallelism: Parallelism) {
        fatalError("fft path not written yet")
    }
}
public enum FFTPlanRigor: String, Sendable, CaseIterable { case estimate, measure, patient }
