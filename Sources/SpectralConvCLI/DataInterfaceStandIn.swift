// TEMPORARY stand-in for the `SpectralData` module (branch `data`), with the same public names, so
// the train and evaluate commands build and can be tried before the merge. It generates RANDOM data
// only (every loader ignores its files). DELETE THIS FILE at the merge and add "SpectralData" to the
// CLI target's dependencies: the command files `import SpectralData` when it exists.
#if !canImport(SpectralData)
import SpectralConv

struct LabeledImages: Sendable {
    var images: Tensor<Float>
    var labels: [Int]
    var classCount: Int

    init(images: Tensor<Float>, labels: [Int], classCount: Int) throws(SpectralConvError) {
        guard images.rank == 4, images.shape[0] == labels.count else { throw .invalidShape("stand-in: \(images.shape) vs \(labels.count) labels") }
        self.images = images
        self.labels = labels
        self.classCount = classCount
    }

    var count: Int { labels.count }

    func subset(_ range: Range<Int>) -> LabeledImages {
        let size = images.count / max(count, 1)
        let shape = [range.count] + images.shape.dropFirst()
        return try! LabeledImages(images: Tensor(shape: shape, scalars: Array(images.scalars[(range.lowerBound * size)..<(range.upperBound * size)])),
                                  labels: Array(labels[range]), classCount: classCount)
    }

    func batch(indices: [Int]) -> (images: Tensor<Float>, labels: [Int]) {
        let size = images.count / max(count, 1)
        var scalars: [Float] = []
        scalars.reserveCapacity(indices.count * size)
        for index in indices { scalars += images.scalars[(index * size)..<((index + 1) * size)] }
        return (try! Tensor(shape: [indices.count] + images.shape.dropFirst(), scalars: scalars), indices.map { labels[$0] })
    }
}

enum DatasetSplit: String, Sendable { case train, test }

enum ImageDataset {
    static let defaultFashionMNISTDirectory = "/usr/share/fashion-mnist"

    /// Stand-in: random 1×28×28 images, random labels (train 600, test 100 unless limited).
    static func loadMNISTFormat(directory: String, split: DatasetSplit, limit: Int?) throws(SpectralConvError) -> LabeledImages {
        let count = min(limit ?? .max, split == .train ? 600 : 100)
        return try random(count: count, seed: split == .train ? 1 : 2)
    }

    static func loadNPY(images: String, labels: String, limit: Int?) throws(SpectralConvError) -> LabeledImages {
        try random(count: min(limit ?? .max, 300), seed: 3)
    }

    static func validationSplit(_ data: LabeledImages, fraction: Double) throws(SpectralConvError) -> (training: LabeledImages, validation: LabeledImages) {
        guard fraction >= 0, fraction < 1 else { throw .invalidArgument("validation split must be in [0, 1), got \(fraction)") }
        let cut = data.count - Int((Double(data.count) * fraction).rounded(.down))
        return (data.subset(0..<cut), data.subset(cut..<data.count))
    }

    private static func random(count: Int, seed: UInt64) throws(SpectralConvError) -> LabeledImages {
        var generator = SplitMix64(seed: seed)
        let labels = (0..<count).map { _ in Int(generator.next() % 10) }
        return try LabeledImages(images: Tensor<Float>.uniform(shape: [count, 1, 28, 28], in: 0...1, seed: seed), labels: labels, classCount: 10)
    }
}

struct ImageAugmentation: Sendable, Codable, Equatable {
    var featurewiseCenter = false, featurewiseStdNormalization = false
    var rotationRange = 0.0, widthShiftRange = 0.0, heightShiftRange = 0.0
    var horizontalFlip = false, verticalFlip = false

    init() {}

    var isIdentity: Bool { self == ImageAugmentation() }
    mutating func fit(_ images: Tensor<Float>) {}
    func standardize(_ images: Tensor<Float>) -> Tensor<Float> { images }
    func augment(_ images: Tensor<Float>, using generator: inout SplitMix64) -> Tensor<Float> { images }
}
#endif
