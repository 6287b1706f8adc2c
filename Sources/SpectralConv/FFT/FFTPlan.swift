import CFFTW

/// What a batched multi-dimensional real FFT computes; equal descriptors share one cached plan.
///
/// A plan transforms `count` arrays of `dimensions` (row-major, e.g. `[Th, Tw]`) between a real
/// side and a half-spectrum side of `dimensions[0..<r-1] × (dimensions[r-1]/2 + 1)` complex bins.
/// Element `k` of array `m` on the real side sits at `k·realStride + m·realDistance` (in scalars),
/// bin `k` of array `m` at `k·complexStride + m·complexDistance` (in complex numbers) — FFTW's
/// advanced ("many") interface. `complexStride = count, complexDistance = 1` interleaves the spectra
/// as `[bin][array]`, the layout the per-bin matrix products of the FFT convolution want.
struct FFTPlanDescriptor: Hashable, Sendable {
    /// `forward` is real → complex (r2c, e^{−2πi…}); `inverse` is complex → real (c2r, unnormalised).
    enum Direction: Hashable, Sendable { case forward, inverse }

    let precision: FloatingPointPrecision
    let direction: Direction
    let dimensions: [Int]
    let count: Int
    let realStride: Int
    let realDistance: Int
    let complexStride: Int
    let complexDistance: Int
    let rigor: FFTPlanRigor
    let threads: Int

    /// Points per real array, `Π dimensions`.
    var realPoints: Int { dimensions.reduce(1, *) }
    /// Bins per half spectrum, `Π dimensions[..<last] · (last/2 + 1)`.
    var complexBins: Int { dimensions.dropLast().reduce(1, *) * (dimensions.last! / 2 + 1) }
    /// Scalars the real-side buffer must hold.
    var realExtent: Int { (realPoints - 1) * realStride + (count - 1) * realDistance + 1 }
    /// Complex numbers the spectrum-side buffer must hold.
    var complexExtent: Int { (complexBins - 1) * complexStride + (count - 1) * complexDistance + 1 }
}

/// An FFTW plan, owned: created from a descriptor, destroyed (under the planner lock) in `deinit`.
///
/// Executed through FFTW's new-array interface on any buffers whose alignment matches the planning
/// buffers'. Every buffer the toolkit passes is 64-byte aligned (``ScratchBuffer``), as are FFTW's own,
/// and ``execute(real:complex:)`` checks it.
final class FFTPlan: @unchecked Sendable {
    let descriptor: FFTPlanDescriptor
    private let handle: OpaquePointer

    /// Plans the transform. Rigor above `estimate` runs trial transforms on scratch arrays FFTW allocates.
    /// - Throws: ``SpectralConvError/backend(_:)`` when FFTW cannot plan it.
    init(_ descriptor: FFTPlanDescriptor) throws(SpectralConvError) {
        precondition(descriptor.count >= 1 && descriptor.dimensions.allSatisfy { $0 >= 1 }, "invalid FFT descriptor")
        self.descriptor = descriptor
        let made: OpaquePointer? = try FFTPlanner.withLock { () throws(SpectralConvError) -> OpaquePointer? in
            var n = descriptor.dimensions.map { Int32($0) }
            var complexEmbed = n
            complexEmbed[complexEmbed.count - 1] = n[n.count - 1] / 2 + 1
            let rank = Int32(n.count)
            let count = Int32(descriptor.count)
            let flags = descriptor.rigor.flags | (descriptor.direction == .inverse ? UInt32(FFTW_DESTROY_INPUT) : 0)
            let rs = Int32(descriptor.realStride), rd = Int32(descriptor.realDistance)
            let cs = Int32(descriptor.complexStride), cd = Int32(descriptor.complexDistance)
            switch descriptor.precision {
            case .single:
                fftwf_plan_with_nthreads(Int32(descriptor.threads))
                let real = fftwf_alloc_real(descriptor.realExtent)
                let complex = fftwf_alloc_complex(descriptor.complexExtent)
                defer { fftwf_free(real); fftwf_free(complex) }
                guard let real, let complex else { return nil }
                return descriptor.direction == .forward
                    ? fftwf_plan_many_dft_r2c(rank, &n, count, real, &n, rs, rd, complex, &complexEmbed, cs, cd, flags)
                    : fftwf_plan_many_dft_c2r(rank, &n, count, complex, &complexEmbed, cs, cd, real, &n, rs, rd, flags)
            case .double:
                fftw_plan_with_nthreads(Int32(descriptor.threads))
                let real = fftw_alloc_real(descriptor.realExtent)
                let complex = fftw_alloc_complex(descriptor.complexExtent)
                defer { fftw_free(real); fftw_free(complex) }
                guard let real, let complex else { return nil }
                return descriptor.direction == .forward
                    ? fftw_plan_many_dft_r2c(rank, &n, count, real, &n, rs, rd, complex, &complexEmbed, cs, cd, flags)
                    : fftw_plan_many_dft_c2r(rank, &n, count, complex, &complexEmbed, cs, cd, real, &n, rs, rd, flags)
            }
        }
        guard let made else {
            throw .backend("FFTW could not plan a \(descriptor.dimensions) transform of \(descriptor.count) arrays")
        }
        handle = made
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

    /// Runs the transform: forward reads `real` and writes `complex`; inverse reads (and destroys)
    /// `complex` and writes `real`. Thread-safe. Buffers must hold the descriptor's extents.
    /// - Precondition: both buffers are aligned as FFTW's own allocations (SIMD alignment).
    func execute<S: TensorScalar>(real: UnsafeMutablePointer<S>, complex: UnsafeMutableRawPointer) {
        precondition(S.precision == descriptor.precision, "FFT plan precision mismatch")
        precondition(Int(bitPattern: real) % 64 == 0 && Int(bitPattern: complex) % 64 == 0,
                     "FFT buffers must be 64-byte aligned")
        switch descriptor.precision {
        case .single:
            let r = UnsafeMutableRawPointer(real).assumingMemoryBound(to: Float.self)
            let c = complex.assumingMemoryBound(to: fftwf_complex.self)
            if descriptor.direction == .forward { fftwf_execute_dft_r2c(handle, r, c) } else { fftwf_execute_dft_c2r(handle, c, r) }
        case .double:
            let r = UnsafeMutableRawPointer(real).assumingMemoryBound(to: Double.self)
            let c = complex.assumingMemoryBound(to: fftw_complex.self)
            if descriptor.direction == .forward { fftw_execute_dft_r2c(handle, r, c) } else { fftw_execute_dft_c2r(handle, c, r) }
        }
    }
}
