import SpectralConv

/// Images with integer class labels. images: [N, C, H, W] Float32 scaled to [0, 1] from uint8 (x / 255);
/// labels: N class indices in `0..<classCount`.
///
/// Storage: images loaded from uint8 files (IDX, uint8 .npy) stay **bytes** — a quarter of the
/// Float32 size (Fashion-MNIST's 60,000 training images: 47 MB instead of 188 MB) — and are scaled
/// by 1/255 as batches are gathered; ``images`` builds the full Float32 tensor only when asked.
/// Float32 images given to ``init(images:labels:classCount:)`` are kept as they are. Either way every
/// value read is exactly the Float32 value `Float(byte) / 255` or the given float.
///
/// ```swift
/// let data = try ImageDataset.loadMNISTFormat(directory: ImageDataset.defaultFashionMNISTDirectory, split: .train)
/// data.imageShape     // [1, 28, 28]
/// let (x, y) = data.batch(indices: [3, 1, 4])   // x: [3, 1, 28, 28], y: 3 labels, in that order
/// ```
public struct LabeledImages: Sendable {
    /// Where the pixel values live.
    enum Storage: Sendable {
        /// Float32 values as given.
        case floats([Float])
        /// uint8 values, read as `Float(byte) / 255`.
        case scaledBytes([UInt8])
    }

    private var storage: Storage
    /// `[N, C, H, W]`.
    private var shape: [Int]

    /// The images, `[N, C, H, W]` (NCHW), row-major. For byte storage this builds the Float32 tensor
    /// (`Float(byte) / 255`) on every read; use ``batch(indices:)`` and ``imageShape`` in loops.
    public var images: Tensor<Float> {
        get {
            switch storage {
            case .floats(let values): return makeTensor(shape: shape, scalars: values)
            case .scaledBytes(let bytes): return makeTensor(shape: shape, scalars: scaled(bytes))
            }
        }
        set {
            precondition(newValue.rank == 4 && newValue.shape[0] == labels.count, "images \(newValue.shape) for \(labels.count) labels")
            shape = newValue.shape
            storage = .floats(newValue.scalars)
        }
    }
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
        self.init(storage: .floats(images.scalars), shape: images.shape, labels: labels, classCount: classCount)
    }

    /// Trusted construction (loaders and slices of an already validated set).
    init(storage: Storage, shape: [Int], labels: [Int], classCount: Int) {
        self.storage = storage
        self.shape = shape
        self.labels = labels
        self.classCount = classCount
    }

    /// The number of images, N.
    public var count: Int { labels.count }

    /// The shape of one image, `[C, H, W]`.
    public var imageShape: [Int] { Array(shape.dropFirst()) }

    /// The images `range` (and their labels), in order; the class count and the storage kind are kept.
    /// - Precondition: `range` lies within `0..<count`.
    public func subset(_ range: Range<Int>) -> LabeledImages {
        precondition(range.lowerBound >= 0 && range.upperBound <= count,
                     "subset \(range) out of bounds 0..<\(count)")
        let elements = (range.lowerBound * imageSize)..<(range.upperBound * imageSize)
        let part: Storage
        switch storage {
        case .floats(let values): part = .floats(Array(values[elements]))
        case .scaledBytes(let bytes): part = .scaledBytes(Array(bytes[elements]))
        }
        return LabeledImages(storage: part, shape: [range.count] + imageShape, labels: Array(labels[range]), classCount: classCount)
    }

    /// Gathers the images and labels at `indices`, in the given order (repeats allowed):
    /// images `[indices.count, C, H, W]`, labels `indices.count`.
    /// - Precondition: every index lies within `0..<count`.
    public func batch(indices: [Int]) -> (images: Tensor<Float>, labels: [Int]) {
        let size = imageSize
        let total = indices.count * size
        for index in indices { precondition(index >= 0 && index < count, "batch index \(index) out of bounds 0..<\(count)") }
        let scalars = [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            switch storage {
            case .floats(let values):
                values.withUnsafeBufferPointer { source in
                    for (row, index) in indices.enumerated() {
                        (buffer.baseAddress! + row * size).initialize(from: source.baseAddress! + index * size, count: size)
                    }
                }
            case .scaledBytes(let bytes):
                bytes.withUnsafeBufferPointer { source in
                    for (row, index) in indices.enumerated() {
                        let from = source.baseAddress! + index * size, to = buffer.baseAddress! + row * size
                        for offset in 0..<size { to[offset] = Float(from[offset]) / 255 }
                    }
                }
            }
            initialized = total
        }
        return (makeTensor(shape: [indices.count] + imageShape, scalars: scalars), indices.map { labels[$0] })
    }

    /// Elements per image, C·H·W.
    var imageSize: Int { shape.dropFirst().reduce(1, *) }
}

/// A tensor from storage whose size is known to match (an internal invariant).
func makeTensor(shape: [Int], scalars: [Float]) -> Tensor<Float> {
    do {
        return try Tensor(shape: shape, scalars: scalars)
    } catch {
        preconditionFailure("internal shape mismatch: \(error)")
    }
}
