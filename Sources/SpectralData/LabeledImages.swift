import SpectralConv

/// Images with integer class labels. images: [N, C, H, W] Float32 scaled to [0, 1] from uint8 (x / 255);
/// labels: N class indices in `0..<classCount`.
///
/// ```swift
/// let data = try ImageDataset.loadMNISTFormat(directory: ImageDataset.defaultFashionMNISTDirectory, split: .train)
/// data.images.shape   // [60000, 1, 28, 28]
/// let (x, y) = data.batch(indices: [3, 1, 4])   // x: [3, 1, 28, 28], y: 3 labels, in that order
/// ```
public struct LabeledImages: Sendable {
    /// The images, `[N, C, H, W]` (NCHW), row-major.
    public var images: Tensor<Float>
    /// One class index per image, each in `0..<classCount`.
    public var labels: [Int]
    /// The number of classes (the width of a one-hot target).
    public var classCount: Int

    /// Pairs images with their labels.
    /// - Parameters:
    ///   - images: `[N, C, H, W]` with N = `labels.count` and C, H, W ≥ 1.
    ///   - labels: N class indices, each in `0..<classCount`.
    ///   - classCount: the number of classes, ≥ 1.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when `images` is not rank 4 with positive C, H, W
    ///   or N differs from the label count; ``SpectralConvError/invalidArgument(_:)`` when `classCount`
    ///   is not positive or a label lies outside `0..<classCount`.
    public init(images: Tensor<Float>, labels: [Int], classCount: Int) throws(SpectralConvError) {
        guard images.rank == 4 else {
            throw .invalidShape("images must be [N, C, H, W] (rank 4), got shape \(images.shape)")
        }
        guard images.shape[1] > 0, images.shape[2] > 0, images.shape[3] > 0 else {
            throw .invalidShape("images must have at least one channel, row and column, got shape \(images.shape)")
        }
        guard images.shape[0] == labels.count else {
            throw .invalidShape("\(images.shape[0]) images (shape \(images.shape)) but \(labels.count) labels; expected one label per image")
        }
        guard classCount > 0 else {
            throw .invalidArgument("class count must be at least 1, got \(classCount)")
        }
        if let index = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw .invalidArgument("label \(labels[index]) of image \(index) is outside 0..<\(classCount); expected class indices below the class count")
        }
        self.images = images
        self.labels = labels
        self.classCount = classCount
    }

    /// Trusted construction for slices of an already validated set.
    init(validatedImages images: Tensor<Float>, labels: [Int], classCount: Int) {
        self.images = images
        self.labels = labels
        self.classCount = classCount
    }

    /// The number of images, N.
    public var count: Int { labels.count }

    /// The shape of one image, `[C, H, W]`.
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }

    /// The images `range` (and their labels), in order; the class count is kept.
    /// - Precondition: `range` lies within `0..<count`.
    public func subset(_ range: Range<Int>) -> LabeledImages {
        precondition(range.lowerBound >= 0 && range.upperBound <= count,
                     "subset \(range) out of bounds 0..<\(count)")
        let size = imageSize
        let scalars = images.withUnsafeBufferPointer { Array($0[(range.lowerBound * size)..<(range.upperBound * size)]) }
        return LabeledImages(
            validatedImages: makeTensor(shape: [range.count] + imageShape, scalars: scalars),
            labels: Array(labels[range]), classCount: classCount)
    }

    /// Gathers the images and labels at `indices`, in the given order (repeats allowed):
    /// images `[indices.count, C, H, W]`, labels `indices.count`.
    /// - Precondition: every index lies within `0..<count`.
    public func batch(indices: [Int]) -> (images: Tensor<Float>, labels: [Int]) {
        let size = imageSize
        let total = indices.count * size
        let scalars = images.withUnsafeBufferPointer { source in
            [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
                for (row, index) in indices.enumerated() {
                    precondition(index >= 0 && index < count, "batch index \(index) out of bounds 0..<\(count)")
                    let target = UnsafeMutableBufferPointer(rebasing: buffer[(row * size)..<((row + 1) * size)])
                    _ = target.initialize(from: source[(index * size)..<((index + 1) * size)])
                }
                initialized = total
            }
        }
        return (makeTensor(shape: [indices.count] + imageShape, scalars: scalars), indices.map { labels[$0] })
    }

    /// Elements per image, C·H·W.
    var imageSize: Int { images.shape.dropFirst().reduce(1, *) }
}

/// A tensor from storage whose size is known to match (an internal invariant).
func makeTensor(shape: [Int], scalars: [Float]) -> Tensor<Float> {
    do {
        return try Tensor(shape: shape, scalars: scalars)
    } catch {
        preconditionFailure("internal shape mismatch: \(error)")
    }
}
