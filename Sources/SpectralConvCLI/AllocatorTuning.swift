#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for training, where every batch allocates and frees the same tensors
/// (activations, gradients, shard copies: 0.1–2 MB each for the seed network at batch 100).
///
/// By default glibc serves blocks above its mmap threshold (128 KB at start) with `mmap` and gives
/// freed memory at the top of a heap back to the kernel once more than the trim threshold is free,
/// so each batch faulted its buffers in again as fresh zeroed pages: on a 20,000-image epoch of the
/// seed network that was 0.5 s of kernel time (page faults, `clear_page`) against 1.7 s of user time,
/// with two threads, and a quarter of the wall time. Raising the mmap threshold to 32 MB (glibc's
/// maximum on 64-bit) and the trim threshold to 256 MB keeps freed blocks in the heap for the next
/// batch: kernel time fell to 0.06 s; peak RSS grows by the heap's free blocks (~20 MB there).
/// Only the CLI sets this; the libraries leave the process's allocator alone.
enum AllocatorTuning {
    /// `<malloc.h>`'s parameter numbers (Swift's Glibc module does not import `malloc.h`).
    private static let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3

    static func keepFreedMemoryForReuse() {
        #if canImport(Glibc)
        // mallopt is looked up at run time: it is glibc-only and not in the imported headers.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(mmapThreshold, 32 * 1024 * 1024)
        _ = mallopt(trimThreshold, 256 * 1024 * 1024)
        #endif
    }
}
