import Foundation
import SpectralConv
import SpectralData
import Testing

/// `.npy` data sets: the integer dtypes of the core reader, image layouts and label checks.
@Suite struct NPYDatasetTests {
    @Test func readsEveryDatasetDtype() throws {
        #expect(try NPY.decodeElements(npyFile(descr: "|u1", shape: [3], data: [0, 7, 255])) == NPYElementArray(shape: [3], elements: .uint8([0, 7, 255])))
        #expect(try NPY.decodeElements(npyFile(descr: "<i4", shape: [2], data: littleEndianBytes([Int32(-3), 70000]))).elements == .int32([-3, 70000]))
        #expect(try NPY.decodeElements(npyFile(descr: "<i8", shape: [1, 2], data: littleEndianBytes([Int64(9), 1 << 40]))) == NPYElementArray(shape: [1, 2], elements: .int64([9, 1 << 40])))
        #expect(try NPY.decodeElements(npyFile(descr: "<f4", shape: [2], data: littleEndianBytes([Float(1.5), -2]))).elements == .float32([1.5, -2]))
        #expect(try NPY.decodeElements(npyFile(descr: "<f8", shape: [], data: littleEndianBytes([Double(0.25)]))) == NPYElementArray(shape: [], elements: .float64([0.25])))
    }

    @Test func elementReaderErrors() {
        expectDataError(mentioning: "unsupported dtype '<i2'", "'|u1' (uint8)") { _ = try NPY.decodeElements(npyFile(descr: "<i2", shape: [1], data: [0, 0])) }
        expectDataError(mentioning: "big-endian") { _ = try NPY.decodeElements(npyFile(descr: ">i8", shape: [1], data: [UInt8](repeating: 0, count: 8))) }
        expectDataError(mentioning: "data is truncated", "needs 16 bytes") { _ = try NPY.decodeElements(npyFile(descr: "<i8", shape: [2], data: [UInt8](repeating: 0, count: 9))) }
        // The float reader keeps rejecting integer data, as before.
        expectDataError(mentioning: "unsupported dtype '|u1'") { _ = try NPY.decode(npyFile(descr: "|u1", shape: [1], data: [0])) }
    }

    @Test func uint8ImagesWithInt64Labels() throws {
        let folder = try TemporaryFolder()
        let pixels: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        try folder.write(npyFile(descr: "|u1", shape: [2, 3, 4], data: pixels), to: "x.npy")
        try folder.write(npyFile(descr: "<i8", shape: [2], data: littleEndianBytes([Int64(4), 1])), to: "y.npy")
        let data = try ImageDataset.loadNPY(images: folder.file("x.npy"), labels: folder.file("y.npy"))
        #expect(data.images.shape == [2, 1, 3, 4])
        #expect(data.images.scalars == pixels.map { Float($0) / 255 })
        #expect(data.labels == [4, 1])
        #expect(data.classCount == 5)
    }

    @Test func float32NCHWImagesWithFloatAndByteLabels() throws {
        let folder = try TemporaryFolder()
        let values: [Float] = (0..<36).map { Float($0) * 0.5 - 3 }
        try folder.write(npyFile(descr: "<f4", shape: [3, 3, 2, 2], data: littleEndianBytes(values)), to: "x.npy")
        try folder.write(npyFile(descr: "<f8", shape: [3], data: littleEndianBytes([Double(2), 0, 1])), to: "y.npy")
        try folder.write(npyFile(descr: "|u1", shape: [3, 1], data: [2, 0, 1]), to: "y8.npy")
        try folder.write(npyFile(descr: "<i4", shape: [3], data: littleEndianBytes([Int32(2), 0, 1])), to: "y32.npy")
        let data = try ImageDataset.loadNPY(images: folder.file("x.npy"), labels: folder.file("y.npy"))
        #expect(data.images.shape == [3, 3, 2, 2])
        #expect(data.images.scalars == values, "float32 images are taken as they are")
        #expect(data.labels == [2, 0, 1] && data.classCount == 3)
        #expect(try ImageDataset.loadNPY(images: folder.file("x.npy"), labels: folder.file("y8.npy")).labels == [2, 0, 1])
        #expect(try ImageDataset.loadNPY(images: folder.file("x.npy"), labels: folder.file("y32.npy")).labels == [2, 0, 1])
        let limited = try ImageDataset.loadNPY(images: folder.file("x.npy"), labels: folder.file("y.npy"), limit: 2)
        #expect(limited.images.shape == [2, 3, 2, 2] && limited.labels == [2, 0] && limited.classCount == 3)
        #expect(limited.images.scalars == Array(values.prefix(24)))
    }

    @Test func badNPYDatasets() throws {
        let folder = try TemporaryFolder()
        try folder.write(npyFile(descr: "|u1", shape: [2, 2, 2], data: [UInt8](repeating: 1, count: 8)), to: "x.npy")
        try folder.write(npyFile(descr: "|u1", shape: [8], data: [UInt8](repeating: 1, count: 8)), to: "flat.npy")
        try folder.write(npyFile(descr: "<i4", shape: [2, 2, 2], data: [UInt8](repeating: 0, count: 32)), to: "int-images.npy")
        try folder.write(npyFile(descr: "<i8", shape: [3], data: littleEndianBytes([Int64(0), 1, 2])), to: "three.npy")
        try folder.write(npyFile(descr: "<i8", shape: [2], data: littleEndianBytes([Int64(0), -1])), to: "negative.npy")
        try folder.write(npyFile(descr: "<f4", shape: [2], data: littleEndianBytes([Float(0), 1.5])), to: "fraction.npy")
        try folder.write(npyFile(descr: "<i8", shape: [2, 2], data: [UInt8](repeating: 0, count: 32)), to: "matrix.npy")
        try folder.write(npyFile(descr: "<i8", shape: [2], data: littleEndianBytes([Int64(0), 1])), to: "y.npy")
        let x = folder.file("x.npy"), y = folder.file("y.npy")
        expectDataError(mentioning: "flat.npy", "(8,)", "N×H×W or N×C×H×W") { _ = try ImageDataset.loadNPY(images: folder.file("flat.npy"), labels: y) }
        expectDataError(mentioning: "int-images.npy", "int32", "uint8") { _ = try ImageDataset.loadNPY(images: folder.file("int-images.npy"), labels: y) }
        expectDataError(mentioning: "three.npy", "3 labels", "2 images") { _ = try ImageDataset.loadNPY(images: x, labels: folder.file("three.npy")) }
        expectDataError(mentioning: "negative.npy", "label -1.0", "non-negative integer") { _ = try ImageDataset.loadNPY(images: x, labels: folder.file("negative.npy")) }
        expectDataError(mentioning: "fraction.npy", "1.5") { _ = try ImageDataset.loadNPY(images: x, labels: folder.file("fraction.npy")) }
        expectDataError(mentioning: "matrix.npy", "(2, 2)", "(N,)") { _ = try ImageDataset.loadNPY(images: x, labels: folder.file("matrix.npy")) }
        expectDataError(mentioning: "none.npy", "cannot open") { _ = try ImageDataset.loadNPY(images: folder.file("none.npy"), labels: y) }
    }
}

/// ``LabeledImages`` validation, subsets and batches, and Keras's validation split.
@Suite struct LabeledImagesTests {
    static func numbered(_ count: Int, classes: Int = 3) throws -> LabeledImages {
        // Image n is filled with the value n, so gathered rows are easy to identify.
        let images = Tensor<Float>(shape: [count, 1, 2, 2]) { Float($0 / 4) }
        return try LabeledImages(images: images, labels: (0..<count).map { $0 % classes }, classCount: classes)
    }

    @Test func initialiserValidates() {
        expectDataError(mentioning: "rank 4") { _ = try LabeledImages(images: Tensor(shape: [2, 4]), labels: [0, 0], classCount: 1) }
        expectDataError(mentioning: "2 images", "3 labels") { _ = try LabeledImages(images: Tensor(shape: [2, 1, 2, 2]), labels: [0, 0, 0], classCount: 1) }
        expectDataError(mentioning: "label 3", "0..<3") { _ = try LabeledImages(images: Tensor(shape: [2, 1, 2, 2]), labels: [0, 3], classCount: 3) }
        expectDataError(mentioning: "label -1") { _ = try LabeledImages(images: Tensor(shape: [1, 1, 2, 2]), labels: [-1], classCount: 3) }
        expectDataError(mentioning: "class count") { _ = try LabeledImages(images: Tensor(shape: [0, 1, 2, 2]), labels: [], classCount: 0) }
        expectDataError(mentioning: "channel") { _ = try LabeledImages(images: Tensor(shape: [1, 0, 2, 2]), labels: [0], classCount: 1) }
    }

    @Test func subsetAndBatch() throws {
        let data = try Self.numbered(6)
        let middle = data.subset(2..<5)
        #expect(middle.images.shape == [3, 1, 2, 2] && middle.labels == [2, 0, 1] && middle.classCount == 3)
        #expect(middle.images.scalars == [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])
        #expect(data.subset(3..<3).count == 0)
        let (images, labels) = data.batch(indices: [5, 0, 5, 3])
        #expect(images.shape == [4, 1, 2, 2])
        #expect(stride(from: 0, to: 16, by: 4).map { images.scalars[$0] } == [5, 0, 5, 3], "rows in the given order")
        #expect(labels == [2, 0, 2, 0])
        #expect(data.batch(indices: []).images.shape == [0, 1, 2, 2])
    }

    @Test func validationSplitTakesTheLastFraction() throws {
        let data = try Self.numbered(10)
        let (training, validation) = try ImageDataset.validationSplit(data, fraction: 0.2)
        #expect(training.count == 8 && validation.count == 2)
        #expect(training.images.scalars == data.subset(0..<8).images.scalars)
        #expect(validation.images.scalars == [8, 8, 8, 8, 9, 9, 9, 9], "the last images, in their original order")
        #expect(validation.labels == [2, 0] && validation.classCount == 3)
        // Keras rounds the split index down: int(10 · (1 − 0.25)) = 7.
        #expect(try ImageDataset.validationSplit(data, fraction: 0.25).training.count == 7)
        #expect(try ImageDataset.validationSplit(data, fraction: 0).validation.count == 0)
        let large = try Self.numbered(60000)
        #expect(try ImageDataset.validationSplit(large, fraction: 0.2).training.count == 48000)
        #expect(try ImageDataset.validationSplit(large, fraction: 0.1).training.count == 54000)
    }

    @Test func validationSplitErrors() throws {
        let data = try Self.numbered(10)
        expectDataError(mentioning: "validation split 1.0", "[0, 1)") { _ = try ImageDataset.validationSplit(data, fraction: 1) }
        expectDataError(mentioning: "-0.1") { _ = try ImageDataset.validationSplit(data, fraction: -0.1) }
        expectDataError(mentioning: "nan") { _ = try ImageDataset.validationSplit(data, fraction: .nan) }
        expectDataError(mentioning: "no training") { _ = try ImageDataset.validationSplit(data, fraction: 0.95) }
        expectDataError(mentioning: "no validation") { _ = try ImageDataset.validationSplit(data, fraction: 1e-20) }
    }
}
