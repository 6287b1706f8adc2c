import Foundation
import SpectralConv

/// Keras ImageDataGenerator's common options, seeded.
///
/// Per image, in Keras's order: a random rotation θ ~ U(−rotationRange, rotationRange) degrees,
/// a row shift ~ U(−heightShiftRange, heightShiftRange) and a column shift
/// ~ U(−widthShiftRange, widthShiftRange) (fractions of the height/width when below 1, pixels
/// otherwise, as Keras), applied as one affine map about the image centre with bilinear
/// interpolation and Keras's default `fill_mode='nearest'`; then a horizontal and a vertical flip
/// each with probability ½; then ``standardize(_:)``. Disabled options draw nothing from the
/// generator, so enabling one does not change the draws of the others' absence.
///
/// ```swift
/// var augmentation = ImageAugmentation()
/// augmentation.rotationRange = 10; augmentation.widthShiftRange = 0.1; augmentation.horizontalFlip = true
/// augmentation.featurewiseCenter = true
/// augmentation.fit(training.images)
/// var generator = SplitMix64(seed: 42)
/// let x = augmentation.augment(batch, using: &generator)       // training batches
/// let v = augmentation.standardize(validation.images)          // validation / test: normalisation only
/// ```
public struct ImageAugmentation: Sendable, Codable, Equatable {
    /// Subtract the per-channel mean of the fitted images (Keras `featurewise_center`).
    public var featurewiseCenter = false
    /// Divide by the per-channel standard deviation (+1e-6) of the fitted images (Keras
    /// `featurewise_std_normalization`; as in Keras it implies centring).
    public var featurewiseStdNormalization = false
    /// Maximum rotation in degrees; θ ~ U(−range, range).
    public var rotationRange: Double = 0
    /// Maximum horizontal shift: a fraction of the width when below 1, else pixels.
    public var widthShiftRange: Double = 0
    /// Maximum vertical shift: a fraction of the height when below 1, else pixels.
    public var heightShiftRange: Double = 0
    /// Mirror left–right with probability ½.
    public var horizontalFlip = false
    /// Mirror top–bottom with probability ½.
    public var verticalFlip = false
    /// Per-channel mean from ``fit(_:)``; `nil` until fitted.
    public private(set) var mean: [Float]?
    /// Per-channel (population) standard deviation from ``fit(_:)``; `nil` until fitted.
    public private(set) var std: [Float]?

    /// No augmentation and no normalisation.
    public init() {}

    /// Whether ``augment(_:using:)`` and ``standardize(_:)`` return their input unchanged.
    public var isIdentity: Bool {
        !featurewiseCenter && !featurewiseStdNormalization && rotationRange == 0 && widthShiftRange == 0
            && heightShiftRange == 0 && !horizontalFlip && !verticalFlip
    }

    /// Whether the options need statistics from ``fit(_:)``.
    public var needsFit: Bool { featurewiseCenter || featurewiseStdNormalization }

    /// Checks the options a user supplied.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a negative or non-finite range.
    public func validate() throws(SpectralConvError) {
        for (name, value) in [("rotation range", rotationRange), ("width shift range", widthShiftRange), ("height shift range", heightShiftRange)] {
            guard value.isFinite, value >= 0 else {
                throw .invalidArgument("\(name) \(value); expected a finite value ≥ 0")
            }
        }
    }

    /// Featurewise statistics from training images (Keras: mean and std per channel over the whole set).
    ///
    /// `images` is `[N, C, H, W]`; mean and population standard deviation are taken over N, H and W
    /// for each channel, accumulated in Double.
    /// - Precondition: `images` has rank 4.
    public mutating func fit(_ images: Tensor<Float>) {
        precondition(images.rank == 4, "fit expects [N, C, H, W] images, got shape \(images.shape)")
        let (count, channels, plane) = (images.shape[0], images.shape[1], images.shape[2] * images.shape[3])
        var means = [Float](repeating: 0, count: channels), deviations = [Float](repeating: 0, count: channels)
        let total = Double(count * plane)
        images.withUnsafeBufferPointer { x in
            for channel in 0..<channels {
                var sum = 0.0
                for image in 0..<count {
                    let start = (image * channels + channel) * plane
                    for index in start..<(start + plane) { sum += Double(x[index]) }
                }
                let mean = total > 0 ? sum / total : 0
                var squares = 0.0
                for image in 0..<count {
                    let start = (image * channels + channel) * plane
                    for index in start..<(start + plane) {
                        let difference = Double(x[index]) - mean
                        squares += difference * difference
                    }
                }
                means[channel] = Float(mean)
                deviations[channel] = Float(total > 0 ? (squares / total).squareRoot() : 0)
            }
        }
        mean = means
        std = deviations
    }

    /// Normalisation only (featurewise centre/std) — applied to validation/test images too.
    ///
    /// `x ← (x − mean[c]) / (std[c] + 1e-6)`, each part only when its option is on (std
    /// normalisation implies centring, as in Keras). Before ``fit(_:)`` — like Keras, which warns —
    /// the images are returned unchanged.
    /// - Precondition: `images` is `[N, C, H, W]` with the channel count of the fitted images.
    public func standardize(_ images: Tensor<Float>) -> Tensor<Float> {
        guard needsFit, let mean, let std else { return images }
        precondition(images.rank == 4 && images.shape[1] == mean.count,
                     "standardize expects [N, \(mean.count), H, W] images, got shape \(images.shape)")
        let channels = mean.count, plane = images.shape[2] * images.shape[3]
        let scales = std.map { featurewiseStdNormalization ? 1 / ($0 + 1e-6) : 1 }
        var result = images
        result.withUnsafeMutableBufferPointer { x in
            for block in 0..<(images.shape[0] * channels) {
                let channel = block % channels
                let (shift, scale) = (mean[channel], scales[channel])
                for index in (block * plane)..<((block + 1) * plane) { x[index] = (x[index] - shift) * scale }
            }
        }
        return result
    }

    /// Random transforms (rotation, shifts, flips, as Keras: nearest fill mode) then standardize; deterministic for a given generator state.
    ///
    /// Each image `[C, H, W]` of the `[N, C, H, W]` batch draws its own transform, images in order;
    /// every channel of an image gets the same transform.
    /// - Precondition: `images` has rank 4.
    public func augment(_ images: Tensor<Float>, using generator: inout SplitMix64) -> Tensor<Float> {
        precondition(images.rank == 4, "augment expects [N, C, H, W] images, got shape \(images.shape)")
        guard rotationRange != 0 || widthShiftRange != 0 || heightShiftRange != 0 || horizontalFlip || verticalFlip else {
            return standardize(images)
        }
        let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let imageSize = channels * height * width
        var result = images
        images.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for image in 0..<count {
                    let transform = randomTransform(height: height, width: width, using: &generator)
                    let range = (image * imageSize)..<((image + 1) * imageSize)
                    transform.apply(source: UnsafeBufferPointer(rebasing: source[range]),
                                    target: UnsafeMutableBufferPointer(rebasing: target[range]),
                                    channels: channels, height: height, width: width)
                }
            }
        }
        return standardize(result)
    }

    /// One image's draws, in Keras's `get_random_transform` order.
    func randomTransform(height: Int, width: Int, using generator: inout SplitMix64) -> ImageTransform {
        func uniform(_ range: Double) -> Double {
            -range + 2 * range * (Double(generator.next() >> 11) * 0x1p-53)
        }
        var transform = ImageTransform()
        if rotationRange != 0 { transform.rotationDegrees = uniform(rotationRange) }
        if heightShiftRange != 0 {
            transform.rowShift = uniform(heightShiftRange) * (heightShiftRange < 1 ? Double(height) : 1)
        }
        if widthShiftRange != 0 {
            transform.columnShift = uniform(widthShiftRange) * (widthShiftRange < 1 ? Double(width) : 1)
        }
        if horizontalFlip { transform.flipHorizontally = Double(generator.next() >> 11) * 0x1p-53 < 0.5 }
        if verticalFlip { transform.flipVertically = Double(generator.next() >> 11) * 0x1p-53 < 0.5 }
        return transform
    }

    private enum CodingKeys: String, CodingKey {
        case featurewiseCenter, featurewiseStdNormalization, rotationRange, widthShiftRange, heightShiftRange
        case horizontalFlip, verticalFlip, mean, std
    }

    /// Decodes the options, any of which may be missing (taking its default).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        featurewiseCenter = try container.decodeIfPresent(Bool.self, forKey: .featurewiseCenter) ?? false
        featurewiseStdNormalization = try container.decodeIfPresent(Bool.self, forKey: .featurewiseStdNormalization) ?? false
        rotationRange = try container.decodeIfPresent(Double.self, forKey: .rotationRange) ?? 0
        widthShiftRange = try container.decodeIfPresent(Double.self, forKey: .widthShiftRange) ?? 0
        heightShiftRange = try container.decodeIfPresent(Double.self, forKey: .heightShiftRange) ?? 0
        horizontalFlip = try container.decodeIfPresent(Bool.self, forKey: .horizontalFlip) ?? false
        verticalFlip = try container.decodeIfPresent(Bool.self, forKey: .verticalFlip) ?? false
        mean = try container.decodeIfPresent([Float].self, forKey: .mean)
        std = try container.decodeIfPresent([Float].self, forKey: .std)
    }
}
