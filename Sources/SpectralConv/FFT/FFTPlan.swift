import CFFTW

/// What a batched multi-dimensional real FFT computes; equal descriptors share one cached plan.
///
/// A plan transforms `count` real arrays of `dimensions` (row-major, e.g. `[TH, TW]`) to or from
/// their half spectra of `dimensions[..<last] × (last/2 + 1)` complex bins, interleaved `(re, im)`
/// (FFTW's advanced "many" interface). Array `m` starts at scalar `m · realDistance` on the real
/// side and at complex number `m · complexDistance` on the spectrum side. Callers round the
/// distances up to 64 bytes, so every array — and every sub-batch of arrays — starts 64-byte
/// aligned and can be run by the same plan.
struct FFTPlanDescriptor: Hashable, Sendable {
    /// `forward` is real → complex (r2c, kernel e^{−2πi·k·n/T}); `inverse` is complex → real
    /// (c2r, e^{+2πi·k·n/T}, unnormalised: a round trip multiplies by `T = Π dimensions`).
    enum Direction: Hashable, Sendable { case forward, inverse }

    let precision: FloatingPointPrecision
    let direction: Direction
    let dimensions: [Int]
    let count: Int
    let realDistance: Int
    let complexDistance: Int
    let rigor: FFTPlanRigor
    /// FFTW's own threads for this plan (used only when a batch is too small to split).
    let threads: Int

    /// Points per real array, `Π dimensions`.
    var realPoints: Int { dimensions.reduce(1, *) }
    /// Bins per half spectrum, `Π dimensions[..<last] · (last/2 + 1)`.
    var complexBins: Int { dimensions.dropLast().reduce(1, *) * (dimensions.last! / 2 + 1) }
}

/// An FFTW plan, owned: created from a descriptor, destroyed (under the planner lock) in `deinit`.
///
/// Executed through FFTW's new-array interface on any buffers aligned like FFTW's own allocations;
/// the toolkit's buffers are 64-byte aligned (``ScratchBuffer``) and ``execute(real:complex:)`` checks it.
final class FFTPlan: @unchecked Sendable {
    let descriptor: FFTPlanDescriptor
    private let handle: OpaquePointer

    /// Plans the transform. Rigor above `estimate` runs trial transforms on scratch arrays.
    /// - Throws: ``SpectralConvError/backend(_:)`` when FFTW cannot plan it.
    init(_ descriptor: FFTPlanDescriptor) throws(SpectralConvError) {
        precondition(descriptor.count >= 1 && descriptor.dimensions.allSatisfy { $0 >= 1 }, "invalid FFT descriptor")
        self.descriptor = descriptor
        let made = try FFTPlanner.withLock { () throws(SpectralConvError) -> OpaquePointer? in
            Self.plan(descriptor)
        }
        guard let made else {
            throw .backend("FFTW could not plan a \(descriptor.dimensions) transform of \(descriptor.count) arrays")
        }
        handle = made
    }

    private static func plan(_ d: FFTPlanDescriptor) -> OpaquePointer? {
        var n = d.dimensions.map { Int32($0) }
        var half = n
        half[n.count - 1] = n[n.count - 1] / 2 + 1
        let rank = Int32(n.count), count = Int32(d.count)
        let rd = Int32(d.realDistance), cd = Int32(d.complexDistance)
        let forward = d.direction == .forward
        let flags = d.rigor.flags | (forward ? 0 : UInt32(FFTW_DESTROY_INPUT))
        let realCount = (d.count - 1) * d.realDistance + d.realPoints
        let complexCount = (d.count - 1) * d.complexDistance + d.complexBins
        switch d.precision {
        case .single:
            fftwf_plan_with_nthreads(Int32(d.threads))
            guard let real = fftwf_alloc_real(realCount), let complex = fftwf_alloc_complex(complexCount) else { return nil }
            defer { fftwf_free(real); fftwf_free(complex) }
            return forward
                ? fftwf_plan_many_dft_r2c(rank, &n, count, real, &n, 1, rd, complex, &half, 1, cd, flags)
                : fftwf_plan_many_dft_c2r(rank, &n, count, complex, &half, 1, cd, real, &n, 1, rd, flags)
        case .double:
            fftw_plan_with_nthreads(Int32(d.threads))
            guard let real = fftw_alloc_real(realCount), let complex = fftw_alloc_complex(complexCount) else { return nil }
            defer { fftw_free(real); fftw_free(complex) }
            return forward
                ? fftw_plan_many_dft_r2c(rank, &n, count, real, &n, 1, rd, complex, &half, 1, cd, flags)
                : fftw_plan_many_dft_c2r(rank, &n, count, complex, &half, 1, cd, real, &n, 1, rd, flags)
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

    /// Runs the transform on `count` arrays starting at the given pointers: forward reads `real`
    /// and writes `complex` (interleaved `(re, im)` scalars); inverse reads (and destroys)
    /// `complex` and writes `real`. Thread-safe.
    /// - Precondition: both pointers are 64-byte aligned and the buffers hold the descriptor's extents.
    func execute<S: TensorScalar>(real: UnsafeMutablePointer<S>, complex: UnsafeMutablePointer<S>) {
        precondition(S.precision == descriptor.precision, "FFT plan precision mismatch")
        precondition(Int(bitPattern: real) % 64 == 0 && Int(bitPattern: complex) % 64 == 0, "FFT buffers must be 64-byte aligned")
        let (r, c) = (UnsafeMutableRawPointer(real), UnsafeMutableRawPointer(complex))
        switch descriptor.precision {
        case .single:
            let (r, c) = (r.assumingMemoryBound(to: Float.self), c.assumingMemoryBound(to: fftwf_complex.self))
            if descriptor.direction == .forward { fftwf_execute_dft_r2c(handle, r, c) } else { fftwf_execute_dft_c2r(handle, c, r) }
        case .double:
            let (r, c) = (r.assumingMemoryBound(to: Double.self), c.assumingMemoryBound(to: fftw_complex.self))
            if descriptor.direction == .forward { fftw_execute_dft_r2c(handle, r, c) } else { fftw_execute_dft_c2r(handle, c, r) }
        }
    }
}
