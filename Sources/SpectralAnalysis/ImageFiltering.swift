import Foundation
import SpectralConv

/// Filtering an image two ways — spatial convolution through the core's ``ConvolutionEngine`` and
/// multiplication of spectra — to show the convolution theorem on any picture.
///
/// **Convolution, not correlation**: `y[i, j] = Σ_{a,b} x[i − (a − cy), j − (b − cx)] · w[a, b]`,
/// the centre tap `(cy, cx)` (``SpectralKernel/centre``) on the output pixel, zeros outside the
/// image, output the size of the input — what image-processing tools (`scipy.ndimage.convolve`
/// with `mode='constant'`, MATLAB `conv2(…, 'same')` for odd kernels) compute. The core computes
/// cross-correlation, so the spatial path runs it with the kernel flipped in both axes and padding
/// `(kH − 1 − cy, cy, kW − 1 − cx, cx)`. The spectral path zero-pads image and kernel to at least
/// `(H + kH − 1) × (W + kW − 1)` (a fast FFT size), so the circular product equals the linear
/// convolution, multiplies the spectra (FFTW, Double), transforms back and crops.
public enum ImageFiltering {
    /// The two results and the spectra behind the second.
    public struct Result: Sendable {
        /// Spatial result per channel, `[C, H, W]` (pixel values scaled to [0, 1]; computed in Float).
        public let spatial: Tensor<Double>
        /// Spectral result per channel, `[C, H, W]` (computed in Double).
        public let spectral: Tensor<Double>
        /// `max |spatial − spectral|` over every pixel and channel.
        public let maxDifference: Double
        /// Padded transform size `(rows, columns)`.
        public let transformSize: (rows: Int, columns: Int)
        /// Centred |X| of the channel-mean image, |K| of the kernel and |X·K|, each `rows × columns`.
        public let imageMagnitude: [Double], kernelMagnitude: [Double], productMagnitude: [Double]
    }

    /// Filters `image` (8-bit gray or RGB, each channel separately) with `kernel`.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a 1-D kernel or one larger than
    ///   4096 pixels per padded side; engine errors as they come.
    public static func filter(_ image: PNGImage, kernel: SpectralKernel, engine: ConvolutionEngine) throws(SpectralConvError) -> Result {
        let (h, w, channels) = (image.height, image.width, image.channels)
        let (kh, kw) = (kernel.height, kernel.width), centre = kernel.centre
        let planes = (0..<channels).map { c in (0..<(h * w)).map { Double(image.pixels[$0 * channels + c]) / 255 } }

        // Spatial: the core's cross-correlation with the flipped kernel = convolution.
        let flipped = (0..<(kh * kw)).map { index in Float(kernel.weights.scalars[kh * kw - 1 - index]) }
        let input = try Tensor<Float>(shape: [channels, 1, h, w], scalars: planes.flatMap { $0.map(Float.init) })
        let weight = try Tensor<Float>(shape: [1, 1, kh, kw], scalars: flipped)
        let options = ConvolutionOptions(padding: .explicit(top: kh - 1 - centre.row, bottom: centre.row,
                                                            left: kw - 1 - centre.column, right: centre.column))
        let spatialFloat = try engine.forward(input: input, weight: weight, options: options, algorithm: .direct)
        let spatial = try spatialFloat.converted(to: Double.self).reshaped([channels, h, w])

        // Spectral: zero-pad to a linear-convolution size, multiply, transform back, crop.
        let rows = FFTSize.nextFast(h + kh - 1), columns = FFTSize.nextFast(w + kw - 1)
        guard rows <= 4096, columns <= 4096 else {
            throw .invalidArgument("image \(w)x\(h) with a \(kw)x\(kh) kernel needs a \(columns)x\(rows) transform; at most 4096 per side")
        }
        let zeros = [Double](repeating: 0, count: rows * columns)
        var kernelPadded = zeros
        for a in 0..<kh { for b in 0..<kw { kernelPadded[a * columns + b] = kernel.weights.scalars[a * kw + b] } }
        let kernelSpectrum = try ComplexFFT2D.transform(real: kernelPadded, imaginary: zeros, rows: rows, columns: columns, direction: .forward)
        var spectral: [Double] = []
        var meanSpectrum = (real: zeros, imaginary: zeros)
        let scale = 1 / Double(rows * columns)
        for plane in planes {
            var padded = zeros
            for i in 0..<h { for j in 0..<w { padded[i * columns + j] = plane[i * w + j] } }
            let x = try ComplexFFT2D.transform(real: padded, imaginary: zeros, rows: rows, columns: columns, direction: .forward)
            var productReal = zeros, productImaginary = zeros
            for index in 0..<(rows * columns) {
                let (ar, ai, br, bi) = (x.real[index], x.imaginary[index], kernelSpectrum.real[index], kernelSpectrum.imaginary[index])
                productReal[index] = ar * br - ai * bi
                productImaginary[index] = ar * bi + ai * br
                meanSpectrum.real[index] += ar / Double(channels)
                meanSpectrum.imaginary[index] += ai / Double(channels)
            }
            let y = try ComplexFFT2D.transform(real: productReal, imaginary: productImaginary, rows: rows, columns: columns, direction: .inverse)
            for i in 0..<h { for j in 0..<w { spectral.append(y.real[(i + centre.row) * columns + j + centre.column] * scale) } }
        }
        let spectralTensor = try Tensor<Double>(shape: [channels, h, w], scalars: spectral)

        func centredMagnitude(_ re: [Double], _ im: [Double]) -> [Double] {
            FrequencyResponse.centred(zip(re, im).map { ($0 * $0 + $1 * $1).squareRoot() }, rows: rows, columns: columns)
        }
        let imageMagnitude = centredMagnitude(meanSpectrum.real, meanSpectrum.imaginary)
        let kernelMagnitude = centredMagnitude(kernelSpectrum.real, kernelSpectrum.imaginary)
        return Result(spatial: spatial, spectral: spectralTensor, maxDifference: spatial.maxAbsoluteDifference(from: spectralTensor),
                      transformSize: (rows, columns), imageMagnitude: imageMagnitude, kernelMagnitude: kernelMagnitude,
                      productMagnitude: zip(imageMagnitude, kernelMagnitude).map { $0 * $1 })
    }

    /// How a filtered result becomes 8-bit pixels.
    public enum OutputMapping: String, Sendable {
        /// Values clamped to [0, 1] (kernels that keep the mean, |Σw| > 0).
        case clamp
        /// `0.5 + y / (2·s)`, s = the 99th percentile of |y|: zero is mid-grey, the strongest 1 % of
        /// responses saturate (zero-sum kernels, whose output is signed).
        case signed
    }

    /// The mapping for `kernel`: ``OutputMapping/signed`` when `|Σ w| ≤ 1e-6 · Σ|w|`, else clamp.
    public static func outputMapping(for kernel: SpectralKernel) -> OutputMapping {
        let sum = kernel.weights.scalars.reduce(0, +), absolute = kernel.weights.scalars.reduce(0) { $0 + abs($1) }
        return abs(sum) <= 1e-6 * absolute ? .signed : .clamp
    }

    /// `[C, H, W]` values as an 8-bit image by `mapping`.
    public static func image(from values: Tensor<Double>, mapping: OutputMapping) -> PNGImage {
        let (channels, h, w) = (values.shape[0], values.shape[1], values.shape[2])
        let sorted = values.scalars.map { abs($0) }.sorted()
        let extent = max(sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)], 1e-300)
        var pixels = [UInt8](repeating: 0, count: h * w * channels)
        for c in 0..<channels {
            for index in 0..<(h * w) {
                let v = values.scalars[c * h * w + index]
                let t = mapping == .clamp ? v : 0.5 + v / (2 * extent)
                pixels[index * channels + c] = UInt8((min(max(t, 0), 1) * 255).rounded())
            }
        }
        return PNGImage(width: w, height: h, channels: channels, pixels: pixels)
    }

    /// A `log(1 + |·|)` magnitude (`rows × columns`, centred) as a viridis figure scaled to its own
    /// maximum, drawn by ``SpectrumRendering/heatmapFigure(_:rows:columns:low:high:map:title:caption:)``:
    /// `title` above, frequency ticks (f = ω/π, DC at the centre), a colour bar from 0 to the maximum, `caption` below.
    public static func spectrumFigure(_ magnitude: [Double], rows: Int, columns: Int, title: String, caption: [String] = []) -> Canvas {
        let logs = magnitude.map { log1p($0) }
        return SpectrumRendering.heatmapFigure(logs, rows: rows, columns: columns, low: 0, high: max(logs.max() ?? 0, 1e-300),
                                               title: title, caption: caption)
    }
}
