/// Step 3 of the FFT path: for every frequency bin `f`, the sum over input channels as a small
/// complex matrix product — correlation multiplies by the conjugate kernel spectrum:
///
///     Ŷ[b, o](f) = Σ_{c < C'/G} X̂[b, g(o)·C'/G + c](f) · conj(Ŵ[o, c](f)),   g(o) = o / (O/G)
///
/// i.e. `Ŷ_f = X̂_f · Ŵ_fᴴ` per group, with `X̂_f` of size `B × C'`, `Ŵ_f` `O × C'/G`, `Ŷ_f` `B × O`.
///
/// **Layout.** FFTW writes spectra map-major, interleaved `(re, im)`. A SIMD vector of 8 scalars
/// holds 4 neighbouring bins of one map; the input and kernel spectra are repacked block-major
/// (`[block of 4 bins][map][8]`, one streaming pass each) so that the channel sum reads contiguous
/// memory; the output is written back map-major for the inverse transform.
///
/// **Arithmetic without shuffles.** With `x = (xr, xi)` and `w = (wr, wi)` lane pairs, and `ŵ` the
/// kernel spectrum with each pair swapped, `(wi, wr)` (made while packing, stored next to `w`), two lanewise
/// multiply-adds accumulate `A += x·w = (xr·wr, xi·wi)` and `B += x·ŵ = (xr·wi, xi·wr)`; after the
/// channel sum, `Re ŷ = A_even + A_odd` and `Im ŷ = B_odd − B_even` — every multiply useful, the
/// inner loop only loads and FMAs. Register blocking: 2 batch items × 2 output channels
/// (8 accumulators). Cost `8·F·B·(C'/G)·O` flops, split over the threads by bin blocks; the same
/// kernel serves dense, grouped, depthwise and single-channel convolutions.
enum SpectralProduct {
    typealias Vector<S: TensorScalar> = SIMD8<S>
    /// Complex bins per vector.
    static let binsPerVector = 4

    /// Repacks spectra from FFTW's map-major layout into bin-block-major, so that the product
    /// streams contiguous memory: inputs as `packed[block][map][8]` (4 complex bins per block);
    /// kernels, with `withSwappedPairs`, as `packed[block][map][16]` — the 8 scalars `w` followed by
    /// the same pairs swapped, `(im, re)`, the `ŵ` of the product — so one cache line holds both.
    /// `spectra` holds the spectra of `maps` only (a chunk-local buffer, map `m` at `m − maps.lowerBound`);
    /// `maps` is the range to pack out of `count` in all (threads pack disjoint ranges).
    static func pack<S: TensorScalar>(
        _ spectra: UnsafePointer<S>, into packed: UnsafeMutablePointer<S>, withSwappedPairs: Bool = false,
        maps: Range<Int>, count: Int, layout: FFTConvolutionLayout
    ) {
        let distance = 2 * layout.complexDistance
        let lanes = 2 * binsPerVector
        let width = withSwappedPairs ? 2 * lanes : lanes
        let blocks = (layout.bins + binsPerVector - 1) / binsPerVector
        for block in 0..<blocks {
            var target = packed + (block * count + maps.lowerBound) * width
            var source = spectra + block * lanes
            for _ in maps {
                let vector = UnsafeRawPointer(source).loadUnaligned(as: Vector<S>.self)
                UnsafeMutableRawPointer(target).storeBytes(of: vector, as: Vector<S>.self)
                if withSwappedPairs {
                    let exchanged = Vector<S>(vector[1], vector[0], vector[3], vector[2], vector[5], vector[4], vector[7], vector[6])
                    UnsafeMutableRawPointer(target + lanes).storeBytes(of: exchanged, as: Vector<S>.self)
                }
                target += width
                source += distance
            }
        }
    }

    /// `Ŷ = X̂ · Ŵᴴ` per bin, from packed inputs and packed kernels with their swapped pairs
    /// (``pack(_:into:withSwappedPairs:maps:count:layout:)``); `Ŷ` is written map-major, as the
    /// inverse transform reads it.
    static func multiply<S: TensorScalar>(
        inputs x: UnsafePointer<S>, kernels w: UnsafePointer<S>,
        outputs y: UnsafeMutablePointer<S>, layout: FFTConvolutionLayout, parallelism: Parallelism
    ) {
        precondition(layout.complexDistance % binsPerVector == 0, "spectrum distance must be a multiple of the vector width")
        let blocks = (layout.bins + binsPerVector - 1) / binsPerVector
        let lanes = 2 * binsPerVector
        let inputMaps = layout.batchItems * layout.phaseChannels
        let kernelMaps = layout.geometry.outChannels * layout.phaseChannelsPerGroup
        parallelism.forEachChunk(of: blocks) { range in
            for block in range {
                multiplyBlock(offset: lanes * block, x: x + block * inputMaps * lanes, w: w + block * kernelMaps * 2 * lanes,
                              y: y, layout: layout)
            }
        }
    }

    /// One block of 4 bins, starting at scalar `offset` of every output map, for every (b, o);
    /// `x` and `w` point at the block's packed vectors.
    @inline(__always)
    private static func multiplyBlock<S: TensorScalar>(
        offset: Int, x: UnsafePointer<S>, w: UnsafePointer<S>, y: UnsafeMutablePointer<S>, layout: FFTConvolutionLayout
    ) {
        let g = layout.geometry
        let items = layout.batchItems
        let channels = layout.phaseChannels
        let perGroup = layout.phaseChannelsPerGroup
        let outChannels = g.outChannels
        let outPerGroup = g.outChannelsPerGroup
        let distance = 2 * layout.complexDistance
        let lanes = Vector<S>.scalarCount
        @inline(__always) func load(_ pointer: UnsafePointer<S>) -> Vector<S> {
            UnsafeRawPointer(pointer).loadUnaligned(as: Vector<S>.self)
        }
        @inline(__always) func store(_ a: Vector<S>, _ b: Vector<S>, _ map: Int) {
            let re = a.evenHalf + a.oddHalf
            let im = b.oddHalf - b.evenHalf
            let target = y + map * distance + offset
            for k in 0..<binsPerVector {
                target[2 * k] = re[k]
                target[2 * k + 1] = im[k]
            }
        }
        for group in 0..<g.groups {
            let firstChannel = group * perGroup
            var o = group * outPerGroup
            let oEnd = o + outPerGroup
            // Output channels outside, batch items inside: the kernel vectors of an output pair
            // (2 × C'/G × 64 bytes) stay in L1 while every batch item's input vectors stream past.
            while o < oEnd {
                let twoOutputs = o + 1 < oEnd
                let kernels0 = w + o * perGroup * 2 * lanes
                let kernels1 = twoOutputs ? kernels0 + perGroup * 2 * lanes : kernels0
                var b = 0
                while b < items {
                    let twoItems = b + 1 < items
                    var a00 = Vector<S>(), b00 = Vector<S>(), a01 = Vector<S>(), b01 = Vector<S>()
                    var a10 = Vector<S>(), b10 = Vector<S>(), a11 = Vector<S>(), b11 = Vector<S>()
                    var px0 = x + (b * channels + firstChannel) * lanes
                    var px1 = twoItems ? px0 + channels * lanes : px0
                    var pw0 = kernels0, pw1 = kernels1
                    for _ in 0..<perGroup {
                        let xv0 = load(px0), xv1 = load(px1)
                        let wv0 = load(pw0), sv0 = load(pw0 + lanes)
                        let wv1 = load(pw1), sv1 = load(pw1 + lanes)
                        a00 = multiplyAdd(a00, xv0, wv0); b00 = multiplyAdd(b00, xv0, sv0)
                        a01 = multiplyAdd(a01, xv0, wv1); b01 = multiplyAdd(b01, xv0, sv1)
                        a10 = multiplyAdd(a10, xv1, wv0); b10 = multiplyAdd(b10, xv1, sv0)
                        a11 = multiplyAdd(a11, xv1, wv1); b11 = multiplyAdd(b11, xv1, sv1)
                        px0 += lanes; px1 += lanes; pw0 += 2 * lanes; pw1 += 2 * lanes
                    }
                    let y00 = b * outChannels + o
                    store(a00, b00, y00)
                    if twoOutputs { store(a01, b01, y00 + 1) }
                    if twoItems {
                        store(a10, b10, y00 + outChannels)
                        if twoOutputs { store(a11, b11, y00 + outChannels + 1) }
                    }
                    b += 2
                }
                o += 2
            }
        }
    }
}
