import Glibc
import SpectralConv

/// Which half of a data set: the training images or the held-out test images.
public enum DatasetSplit: String, Sendable {
    case train, test

    /// The file-name prefix of the split in an MNIST-format folder (`train`, `t10k`).
    public var mnistPrefix: String { self == .train ? "train" : "t10k" }
}

/// Loading image-classification data sets: MNIST-format (IDX) folders and `.npy` pairs, and
/// Keras's validation split.
public enum ImageDataset {
    /// Debian's dataset-fashion-mnist location.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Loads an MNIST-format folder (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…), gzip or plain.
    ///
    /// Images become `[N, 1, rows, columns]` Float32 in [0, 1] (byte / 255); labels the bytes of the
    /// labels file. `classCount` is the largest label in the whole labels file plus one (10 for
    /// MNIST and Fashion-MNIST). `limit` keeps the first `limit` images (all when it is larger);
    /// only their bytes are decompressed, so a limited load does not check the rest of the file.
    /// File names with a dot (`train-images.idx3-ubyte`) are found too; a plain file is preferred
    /// to a `.gz` one of the same name.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` for a missing folder or file,
    ///   ``SpectralConvError/invalidFormat(path:reason:)`` for corrupt, truncated or mismatched
    ///   files (each message names the file and what was expected),
    ///   ``SpectralConvError/invalidArgument(_:)`` for a negative `limit`.
    public static func loadMNISTFormat(directory: String, split: DatasetSplit, limit: Int? = nil) throws(SpectralConvError) -> LabeledImages {
        try checkLimit(limit)
        var status = stat()
        guard stat(directory, &status) == 0 else {
            throw .io(path: directory, reason: "cannot open the data folder: \(String(cString: strerror(errno))); expected a folder of MNIST-format files")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw .io(path: directory, reason: "is not a folder; expected a folder of MNIST-format files")
        }
        let imagesPath = try findFile(directory: directory, split: split, kind: "images", dimensions: 3)
        let labelsPath = try findFile(directory: directory, split: split, kind: "labels", dimensions: 1)

        let labelsHeader = try IDXFile.open(labelsPath, magic: IDXFile.labelsMagic)
        let labelCount = labelsHeader.extents[0]
        let labelBytes = try IDXFile.readData(labelsHeader, count: labelCount, declared: "\(labelCount) labels", expectEnd: true)

        let imagesHeader = try IDXFile.open(imagesPath, magic: IDXFile.imagesMagic)
        let (imageCount, rows, columns) = (imagesHeader.extents[0], imagesHeader.extents[1], imagesHeader.extents[2])
        guard rows > 0, columns > 0 else {
            throw .invalidFormat(path: imagesPath, reason: "images of \(rows)×\(columns) pixels; expected at least 1×1")
        }
        guard imageCount == labelCount else {
            throw .invalidFormat(path: imagesPath, reason: "holds \(imageCount) images but \(labelsPath) holds \(labelCount) labels; expected one label per image")
        }
        let kept = min(limit ?? imageCount, imageCount)
        let (pixelCount, overflow) = (kept * rows).multipliedReportingOverflow(by: columns)
        guard !overflow else {
            throw .invalidFormat(path: imagesPath, reason: "\(imageCount) images of \(rows)×\(columns) pixels do not fit in memory")
        }
        let pixels = try IDXFile.readData(imagesHeader, count: pixelCount,
                                          declared: "\(kept == imageCount ? "" : "the first \(kept) of ")\(imageCount) images of \(rows)×\(columns) pixels",
                                          expectEnd: kept == imageCount)
        let classCount = Int(labelBytes.max() ?? 0) + 1
        return LabeledImages(storage: .scaledBytes(pixels), shape: [kept, 1, rows, columns],
                             labels: labelBytes.prefix(kept).map(Int.init), classCount: classCount)
    }

    /// .npy images (N×H×W or N×C×H×W, uint8 → /255, or float32 as is) + .npy labels (N, integer or float holding integers).
    ///
    /// float64 images are converted to Float32; labels may also be N×1. `classCount` is the largest
    /// label in the whole file plus one; `limit` keeps the first `limit` images.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when a file cannot be read,
    ///   ``SpectralConvError/invalidFormat(path:reason:)`` for an unsupported dtype or shape, negative or
    ///   fractional labels, or image and label counts that differ.
    public static func loadNPY(images: String, labels: String, limit: Int? = nil) throws(SpectralConvError) -> LabeledImages {
        try checkLimit(limit)
        let imageArray = try NPY.readElements(contentsOf: images)
        let shape: [Int]
        switch imageArray.shape.count {
        case 3: shape = [imageArray.shape[0], 1, imageArray.shape[1], imageArray.shape[2]]
        case 4: shape = imageArray.shape
        default:
            throw .invalidFormat(path: images, reason: "images of shape \(shapeText(imageArray.shape)); expected N×H×W or N×C×H×W")
        }
        guard shape.dropFirst().allSatisfy({ $0 > 0 }) else {
            throw .invalidFormat(path: images, reason: "images of shape \(shapeText(imageArray.shape)); expected positive channel, height and width")
        }
        let labelArray = try NPY.readElements(contentsOf: labels)
        guard labelArray.shape.count == 1 || (labelArray.shape.count == 2 && labelArray.shape[1] == 1) else {
            throw .invalidFormat(path: labels, reason: "labels of shape \(shapeText(labelArray.shape)); expected (N,) class indices")
        }
        guard labelArray.shape[0] == shape[0] else {
            throw .invalidFormat(path: labels, reason: "holds \(labelArray.shape[0]) labels but \(images) holds \(shape[0]) images; expected one label per image")
        }
        var labelValues: [Int] = []
        labelValues.reserveCapacity(shape[0])
        let elements = labelArray.elements
        for index in 0..<elements.count {
            let value = elements.value(at: index)
            guard value >= 0, value.rounded() == value, value < 1e9 else {
                throw .invalidFormat(path: labels, reason: "label \(value) at index \(index); expected non-negative integer class indices")
            }
            labelValues.append(Int(value))
        }
        let kept = min(limit ?? shape[0], shape[0])
        let size = shape.dropFirst().reduce(1, *)
        let storage: LabeledImages.Storage
        switch imageArray.elements {
        case .uint8(let bytes): storage = .scaledBytes(Array(bytes.prefix(kept * size)))
        case .float32(let values): storage = .floats(Array(values.prefix(kept * size)))
        case .float64(let values): storage = .floats(values.prefix(kept * size).map { Float($0) })
        default:
            throw .invalidFormat(path: images, reason: "images of dtype \(imageArray.elements.dtypeName); expected uint8 (scaled by 1/255) or float32")
        }
        return LabeledImages(storage: storage, shape: [kept] + shape.dropFirst(),
                             labels: Array(labelValues.prefix(kept)), classCount: (labelValues.max() ?? 0) + 1)
    }

    /// Keras validation_split: the LAST fraction of the set (taken before shuffling) becomes validation.
    ///
    /// As Keras: the split index is `Int(Double(N) · (1 − fraction))` (rounded down); images before it
    /// train, the rest validate — 60000 with 0.2 gives 48000 + 12000. A fraction of 0 leaves the
    /// validation set empty.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when `fraction` is outside [0, 1) or a
    ///   positive fraction leaves either part empty.
    public static func validationSplit(_ data: LabeledImages, fraction: Double) throws(SpectralConvError) -> (training: LabeledImages, validation: LabeledImages) {
        guard fraction >= 0, fraction < 1 else {
            throw .invalidArgument("validation split \(fraction) is outside [0, 1); expected a fraction such as 0.2")
        }
        let splitAt = Int(Double(data.count) * (1 - fraction))
        if fraction > 0, splitAt == 0 || splitAt == data.count {
            throw .invalidArgument("validation split \(fraction) of \(data.count) images leaves \(splitAt == 0 ? "no training" : "no validation") images; expected a fraction that gives both parts at least one image")
        }
        return (data.subset(0..<splitAt), data.subset(splitAt..<data.count))
    }

    // MARK: - Helpers

    private static func checkLimit(_ limit: Int?) throws(SpectralConvError) {
        if let limit, limit < 0 {
            throw .invalidArgument("limit \(limit) is negative; expected a number of images ≥ 0")
        }
    }

    /// The split's IDX file of `kind` in `directory`, trying the usual spellings.
    private static func findFile(directory: String, split: DatasetSplit, kind: String, dimensions: Int) throws(SpectralConvError) -> String {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let stems = ["\(split.mnistPrefix)-\(kind)-idx\(dimensions)-ubyte", "\(split.mnistPrefix)-\(kind).idx\(dimensions)-ubyte"]
        for stem in stems {
            for name in [stem, stem + ".gz"] where access(base + "/" + name, F_OK) == 0 {
                return base + "/" + name
            }
        }
        throw .io(path: directory, reason: "no \(split.rawValue) \(kind) file; expected \(stems[0]).gz or \(stems[0])")
    }

    private static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

/// Bytes scaled to [0, 1]: `Float(byte) / 255` (division, so 255 maps to exactly 1 and results
/// match NumPy's `x.astype(np.float32) / 255`).
func scaled<Bytes: Collection>(_ bytes: Bytes) -> [Float] where Bytes.Element == UInt8 {
    let count = bytes.count
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        var index = 0
        for byte in bytes {
            buffer[index] = Float(byte) / 255
            index += 1
        }
        initialized = count
    }
}
