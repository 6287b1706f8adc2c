import CFFTW

/// What a batched FFT computes, in FFTW's guru terms; equal descriptors share one cached plan.
///
/// `dimensions` are the transform's axes and `batch` the loops around it, each axis an extent with
/// a stride on the input side and one on the output side. Strides count scalars on a real side and
/// complex numbers on a complex side (interleaved `(re, im)`). For `realToComplex` and
/// `complexToReal` the last transform axis has `n` real points and `n/2 + 1` complex bins.
/// Callers lay batches out so that every array starts 64-byte aligned, so any sub-range of the
/// first batch axis can run through a plan made for its length (``FFTBatch``).
struct FFTPlanDescriptor: Hashable, Sendable {
    /// `realToComplex` (r2c, kernel e^{−2πi·k·n/T}), `complexToReal` (c2r, e^{+2πi·k·n/T},
    /// unnormalised), `complexForward` (c2c, e^{−2πi·k·n/T}, may run in place).
    enum Kind: Hashable, Sendable { case realToComplex, complexToReal, complexForward }

    /// One axis: `n` elements, `inputStride` apart in the input, `outputStride` apart in the output.
    struct Axis: Hashable, Sendable {
        let n: Int
        let inputStride: Int
        let outputStride: Int
    }

    let precision: FloatingPointPrecision
    let kind: Kind
    let dimensions: [Axis]
    let batch: [Axis]
    /// Whether input and output are the same array (complex-to-complex only).
    let inPlace: Bool
    let rigor: FFTPlanRigor
    /// FFTW's own threads for this plan (used only when a batch is too small to split).
    let threads: Int

    /// Elements (scalars on a real side, complex numbers on a complex side) the input and output
    /// arrays must hold: one past the largest offset addressed.
    var extents: (input: Int, output: Int) {
        func extent(_ axes: [Axis], _ stride: (Axis) -> Int, halfLast: Bool) -> Int {
            var last = 0
            for (index, axis) in axes.enumerated() {
                let n = halfLast && index == dimensions.count - 1 ? axis.n / 2 + 1 : axis.n
                last += (n - 1) * stride(axis)
            }
            return last + 1
        }
        let axes = dimensions + batch
        let inputHalf = kind == .complexToReal, outputHalf = kind == .realToComplex
        return (extent(axes, { $0.inputStride }, halfLast: inputHalf), extent(axes, { $0.outputStride }, halfLast: outputHalf))
    }

    /// The same transform over a different length of the first batch axis.
    func withBatchCount(_ count: Int, threads: Int) -> FFTPlanDescriptor {
        var batch = self.batch
        batch[0] = Axis(n: count, inputStride: batch[0].inputStride, outputStride: batch[0].outputStride)
        return FFTPlanDescriptor(precision: precision, kind: kind, dimensions: dimensions, batch: batch, inPlace: inPlace, rigor: rigor, threads: threads)
    }
}

/// An FFTW plan, owned: created from a descriptor, destroyed (under the planner lock) in `deinit`.
///
/// Executed through FFTW's new-array interface on any buffers aligned like FFTW's own allocations;
/// the toolkit's buffers are 64-byte aligned (``ScratchBuffer``) and ``execute(input:output:)`` checks it.
final class FFTPlan: @unchecked Sendable {
    let descriptor: FFTPlanDescriptor
    private let handle: OpaquePointer

    /// Plans the transform. Rigor above `estimate` runs trial transforms on scratch arrays.
    /// - Throws: ``SpectralConvError/backend(_:)`` when FFTW cannot plan it.
    init(_ descriptor: FFTPlanDescriptor) throws(SpectralConvError) {
        precondition(!descriptor.batch.isEmpty && (descriptor.dimensions + descriptor.batch).allSatisfy { $0.n >= 1 }, "invalid FFT descriptor")
        self.descriptor = descriptor
        let made = try FFTPlanner.withLock { () throws(SpectralConvError) -> OpaquePointer? in
            Self.plan(descriptor)
        }
        guard let made else {
            throw .backend("FFTW could not plan a \(descriptor.dimensions.map(\.n)) transform batched \(descriptor.batch.map(\.n))")
        }
        handle = made
    }

    private static func plan(_ d: FFTPlanDescriptor) -> OpaquePointer? {
        func iodims(_ axes: [FFTPlanDescriptor.Axis]) -> [fftw_iodim_do_not_use_me] {
            axes.map { fftw_iodim_do_not_use_me(n: Int32($0.n), is: Int32($0.inputStride), os: Int32($0.outputStride)) }
        }
        var dims = iodims(d.dimensions), loops = iodims(d.batch)
        let rank = Int32(dims.count), loopRank = Int32(loops.count)
        let flags = d.rigor.flags | (d.kind == .complexToReal ? UInt32(FFTW_DESTROY_INPUT) : 0)
        let (inputCount, outputCount) = d.extents
        let scalarsIn = d.kind == .realToComplex ? inputCount : 2 * inputCount
        let scalarsOut = d.kind == .complexToReal ? outputCount : 2 * outputCount
        switch d.precision {
        case .single:
            fftwf_plan_with_nthreads(Int32(d.threads))
            guard let input = fftwf_alloc_real(scalarsIn) else { return nil }
            let output = d.inPlace ? input : fftwf_alloc_real(scalarsOut)
            defer { fftwf_free(input); if !d.inPlace { fftwf_free(output) } }
            guard let output else { return nil }
            let complexIn = UnsafeMutableRawPointer(input).assumingMemoryBound(to: fftwf_complex.self)
            let complexOut = UnsafeMutableRawPointer(output).assumingMemoryBound(to: fftwf_complex.self)
            switch d.kind {
            case .realToComplex: return fftwf_plan_guru_dft_r2c(rank, &dims, loopRank, &loops, input, complexOut, flags)
            case .complexToReal: return fftwf_plan_guru_dft_c2r(rank, &dims, loopRank, &loops, complexIn, output, flags)
            case .complexForward: return fftwf_plan_guru_dft(rank, &dims, loopRank, &loops, complexIn, complexOut, FFTW_FORWARD, flags)
            }
        case .double:
            fftw_plan_with_nthreads(Int32(d.threads))
            guard let input = fftw_alloc_real(scalarsIn) else { return nil }
            let output = d.inPlace ? input : fftw_alloc_real(scalarsOut)
            defer { fftw_free(input); if !d.inPlace { fftw_free(output) } }
            guard let output else { return nil }
            let complexIn = UnsafeMutableRawPointer(input).assumingMemoryBound(to: fftw_complex.self)
            let complexOut = UnsafeMutableRawPointer(output).assumingMemoryBound(to: fftw_complex.self)
            switch d.kind {
            case .realToComplex: return fftw_plan_guru_dft_r2c(rank, &dims, loopRank, &loops, input, complexOut, flags)
            case .complexToReal: return fftw_plan_guru_dft_c2r(rank, &dims, loopRank, &loops, complexIn, output, flags)
            case .complexForward: return fftw_plan_guru_dft(rank, &dims, loopRank, &loops, complexIn, complexOut, FFTW_FORWARD, flags)
            }
        }
    }

    deinit {
        let handle = self.handle
        let precision = descriptor.precision
        try? FFTPlanner.withLock { () throws(SpectralConvError) in
            switch precision {
            case .single: fftwf_destroy_plan(handle)
            case .double: fftw_destroy_plan(handle)
            }
        }
    }

    /// Runs the transform from `input` to `output` (the same pointer for an in-place plan). Complex
    /// arrays are interleaved `(re, im)` scalars; a c2r plan destroys its input. Thread-safe.
    /// - Precondition: both pointers are 64-byte aligned and the arrays hold the descriptor's extents.
    func execute<S: TensorScalar>(input: UnsafeMutablePointer<S>, output: UnsafeMutablePointer<S>) {
        precondition(S.precision == descriptor.precision, "FFT plan precision mismatch")
        precondition(Int(bitPattern: input) % 64 == 0 && Int(bitPattern: output) % 64 == 0, "FFT buffers must be 64-byte aligned")
        precondition((input == output) == descriptor.inPlace, "FFT plan made for \(descriptor.inPlace ? "in-place" : "out-of-place") use")
        let (i, o) = (UnsafeMutableRawPointer(input), UnsafeMutableRawPointer(output))
        switch descriptor.precision {
        case .single:
            switch descriptor.kind {
            case .realToComplex: fftwf_execute_dft_r2c(handle, i.assumingMemoryBound(to: Float.self), o.assumingMemoryBound(to: fftwf_complex.self))
            case .complexToReal: fftwf_execute_dft_c2r(handle, i.assumingMemoryBound(to: fftwf_complex.self), o.assumingMemoryBound(to: Float.self))
            case .complexForward: fftwf_execute_dft(handle, i.assumingMemoryBound(to: fftwf_complex.self), o.assumingMemoryBound(to: fftwf_complex.self))
            }
        case .double:
            switch descriptor.kind {
            case .realToComplex: fftw_execute_dft_r2c(handle, i.assumingMemoryBound(to: Double.self), o.assumingMemoryBound(to: fftw_complex.self))
            case .complexToReal: fftw_execute_dft_c2r(handle, i.assumingMemoryBound(to: fftw_complex.self), o.assumingMemoryBound(to: Double.self))
            case .complexForward: fftw_execute_dft(handle, i.assumingMemoryBound(to: fftw_complex.self), o.assumingMemoryBound(to: fftw_complex.self))
            }
        }
    }
}
