/// A growable, 64-byte-aligned block of memory reused between calls (the im2col matrix, the FFT
/// path's padded maps and spectra). 64-byte alignment satisfies FFTW's SIMD requirement and AVX-512
/// loads alike; the memory is freed in `deinit`.
final class ScratchBuffer {
    private(set) var pointer: UnsafeMutableRawPointer
    private(set) var byteCount: Int
    static let alignment = 64

    init(byteCount: Int = 0) {
        self.byteCount = max(byteCount, Self.alignment)
        pointer = UnsafeMutableRawPointer.allocate(byteCount: self.byteCount, alignment: Self.alignment)
    }

    deinit { pointer.deallocate() }

    /// At least `count` elements of `T`, aligned; previous contents are not kept when it grows.
    func reserve<T>(_ count: Int, of _: T.Type) -> UnsafeMutablePointer<T> {
        let needed = max(count * MemoryLayout<T>.stride, Self.alignment)
        if needed > byteCount {
            pointer.deallocate()
            byteCount = needed
            pointer = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: Self.alignment)
        }
        return pointer.bindMemory(to: T.self, capacity: count)
    }
}
