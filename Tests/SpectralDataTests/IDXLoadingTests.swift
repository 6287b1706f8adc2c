import Foundation
import SpectralConv
import SpectralData
import Testing

/// MNIST-format (IDX) folders: gzip and plain, limits, splits, and every corrupt case with its message.
@Suite struct IDXLoadingTests {
    @Test(arguments: [true, false])
    func loadsGzipAndPlainFiles(gzip: Bool) throws {
        let folder = try TemporaryFolder()
        try IDX.writeSample(in: folder, gzip: gzip)
        let data = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        let (pixels, labels) = IDX.sample()
        #expect(data.images.shape == [5, 1, 3, 4])
        #expect(data.images.scalars == pixels.map { Float($0) / 255 })
        #expect(data.labels == labels.map(Int.init))
        #expect(data.classCount == 3)
        #expect(data.count == 5)
    }

    @Test func byteValuesScaleToTheUnitInterval() throws {
        let folder = try TemporaryFolder()
        try folder.write(IDX.images([0, 255, 51, 128], count: 1, rows: 2, columns: 2), to: "train-images-idx3-ubyte")
        try folder.write(IDX.labels([9]), to: "train-labels-idx1-ubyte")
        let data = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        #expect(data.images.scalars == [0, 1, 0.2, Float(128) / 255])
        #expect(data.classCount == 10)
    }

    @Test func limitKeepsTheFirstImages() throws {
        let folder = try TemporaryFolder()
        try IDX.writeSample(in: folder, gzip: true)
        let all = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        let first = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train, limit: 2)
        #expect(first.images.shape == [2, 1, 3, 4])
        #expect(first.images.scalars == Array(all.images.scalars.prefix(24)))
        #expect(first.labels == [0, 1])
        #expect(first.classCount == 3, "the class count comes from the whole labels file")
        #expect(try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train, limit: 50).count == 5)
        #expect(try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train, limit: 0).count == 0)
        expectDataError(mentioning: "limit", "-1") { _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train, limit: -1) }
    }

    @Test func testSplitAndDottedNames() throws {
        let folder = try TemporaryFolder()
        try IDX.writeSample(in: folder, prefix: "t10k", gzip: false, count: 4)
        #expect(try ImageDataset.loadMNISTFormat(directory: folder.path + "/", split: .test).count == 4)
        expectDataError(mentioning: folder.path, "no train images file", "train-images-idx3-ubyte.gz") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        let (pixels, labels) = IDX.sample(count: 2)
        try folder.writeGzip(IDX.images(pixels, count: 2, rows: 3, columns: 4), to: "train-images.idx3-ubyte.gz")
        try folder.write(IDX.labels(labels), to: "train-labels.idx1-ubyte")
        #expect(try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train).count == 2)
    }

    @Test func missingFolderOrFile() throws {
        let folder = try TemporaryFolder()
        expectDataError(mentioning: folder.path + "/none", "cannot open the data folder", "No such file") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path + "/none", split: .train)
        }
        try folder.write([1], to: "plain")
        expectDataError(mentioning: "is not a folder") { _ = try ImageDataset.loadMNISTFormat(directory: folder.file("plain"), split: .train) }
        let (pixels, _) = IDX.sample()
        try folder.write(IDX.images(pixels, count: 5, rows: 3, columns: 4), to: "train-images-idx3-ubyte")
        expectDataError(mentioning: "no train labels file", "train-labels-idx1-ubyte") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    /// A folder with the sample labels and `images` as the plain or gzip images file.
    private func folder(images: [UInt8], gzip: Bool = false, labels: [UInt8]? = nil) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        if gzip { try folder.writeGzip(images, to: "train-images-idx3-ubyte.gz") } else { try folder.write(images, to: "train-images-idx3-ubyte") }
        try folder.write(labels ?? IDX.labels(IDX.sample().labels), to: "train-labels-idx1-ubyte")
        return folder
    }

    @Test func wrongMagicNumbers() throws {
        let (pixels, labels) = IDX.sample()
        var folder = try self.folder(images: IDX.labels(labels))
        expectDataError(mentioning: "train-images-idx3-ubyte", "magic number 0x00000801", "labels file", "expected 0x00000803") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        folder = try self.folder(images: IDX.images(pixels, count: 5, rows: 3, columns: 4), labels: IDX.images(pixels, count: 5, rows: 3, columns: 4))
        expectDataError(mentioning: "train-labels-idx1-ubyte", "0x00000803", "expected 0x00000801") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        folder = try self.folder(images: Array("not an idx file at all".utf8))
        expectDataError(mentioning: "not an IDX file", "expected 0x00000803") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        folder = try self.folder(images: IDX.images(pixels, count: 5, rows: 3, columns: 4, magic: 0x0D03))
        expectDataError(mentioning: "IDX float data, 3 dimensions", "unsigned-byte images") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    @Test func emptyAndTruncatedHeaders() throws {
        var folder = try self.folder(images: [])
        expectDataError(mentioning: "train-images-idx3-ubyte", "file is empty") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        folder = try self.folder(images: [0, 0, 8])
        expectDataError(mentioning: "truncated header", "3 bytes") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        folder = try self.folder(images: Array(IDX.images([], count: 5, rows: 3, columns: 4).prefix(10)), gzip: true)
        expectDataError(mentioning: "train-images-idx3-ubyte.gz", "truncated header", "10 bytes", "expected 16") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    @Test(arguments: [true, false])
    func truncatedData(gzip: Bool) throws {
        let (pixels, _) = IDX.sample()
        let folder = try self.folder(images: IDX.images(Array(pixels.dropLast(7)), count: 5, rows: 3, columns: 4), gzip: gzip)
        expectDataError(mentioning: "data is truncated", "5 images of 3×4 pixels", "60 bytes", "only 53") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    @Test func extraBytesAfterTheData() throws {
        let (pixels, _) = IDX.sample()
        let folder = try self.folder(images: IDX.images(pixels + [1, 2], count: 5, rows: 3, columns: 4))
        expectDataError(mentioning: "unexpected bytes after the data") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        #expect(try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train, limit: 4).count == 4,
                "a limited load reads only the images it keeps")
    }

    @Test func imageAndLabelCountsDiffer() throws {
        let (pixels, labels) = IDX.sample()
        let folder = try self.folder(images: IDX.images(pixels, count: 5, rows: 3, columns: 4), labels: IDX.labels(Array(labels.prefix(4))))
        expectDataError(mentioning: "train-images-idx3-ubyte", "holds 5 images", "train-labels-idx1-ubyte holds 4 labels", "one label per image") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    @Test func gzNameWithPlainContents() throws {
        let folder = try TemporaryFolder()
        let (pixels, labels) = IDX.sample()
        try folder.write(IDX.images(pixels, count: 5, rows: 3, columns: 4), to: "train-images-idx3-ubyte.gz")
        try folder.writeGzip(IDX.labels(labels), to: "train-labels-idx1-ubyte.gz")
        expectDataError(mentioning: "train-images-idx3-ubyte.gz", "not gzip data", "ends in .gz") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    @Test func truncatedGzipStream() throws {
        let folder = try TemporaryFolder()
        try IDX.writeSample(in: folder, gzip: true, count: 200)
        let compressed = try folder.read("train-images-idx3-ubyte.gz")
        try folder.write(Array(compressed.prefix(compressed.count - 20)), to: "train-images-idx3-ubyte.gz")
        expectDataError(mentioning: "train-images-idx3-ubyte.gz", "truncated") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    @Test func corruptGzipStream() throws {
        let folder = try TemporaryFolder()
        try IDX.writeSample(in: folder, gzip: true, count: 200)
        var compressed = try folder.read("train-images-idx3-ubyte.gz")
        // The CRC-32 of the uncompressed data sits 8 bytes before the end.
        compressed[compressed.count - 8] ^= 0xFF
        try folder.write(compressed, to: "train-images-idx3-ubyte.gz")
        expectDataError(mentioning: "train-images-idx3-ubyte.gz", "corrupt gzip data") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
        var garbled = try folder.read("train-labels-idx1-ubyte.gz")
        for index in 12..<min(garbled.count - 8, 40) { garbled[index] = 0xFF }
        try IDX.writeSample(in: folder, gzip: true, count: 200)
        try folder.write(garbled, to: "train-labels-idx1-ubyte.gz")
        expectDataError(mentioning: "train-labels-idx1-ubyte.gz") {
            _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train)
        }
    }

    @Test func unreadableDirectoryEntry() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("train-images-idx3-ubyte"), withIntermediateDirectories: false)
        try folder.write(IDX.labels([1]), to: "train-labels-idx1-ubyte")
        expectDataError(mentioning: "is a directory") { _ = try ImageDataset.loadMNISTFormat(directory: folder.path, split: .train) }
    }
}

/// The real Fashion-MNIST as Debian's dataset-fashion-mnist installs it; skipped when absent.
@Suite struct FashionMNISTTests {
    static var installed: Bool {
        FileManager.default.fileExists(atPath: ImageDataset.defaultFashionMNISTDirectory + "/train-images-idx3-ubyte.gz")
    }

    @Test(.enabled(if: installed, "dataset-fashion-mnist is not installed"))
    func loadsBothSplits() throws {
        let start = Date()
        let train = try ImageDataset.loadMNISTFormat(directory: ImageDataset.defaultFashionMNISTDirectory, split: .train)
        let seconds = Date().timeIntervalSince(start)
        let test = try ImageDataset.loadMNISTFormat(directory: ImageDataset.defaultFashionMNISTDirectory, split: .test)
        #expect(train.images.shape == [60000, 1, 28, 28])
        #expect(test.images.shape == [10000, 1, 28, 28])
        #expect(train.classCount == 10 && test.classCount == 10)
        var perClass = [Int](repeating: 0, count: 10)
        for label in train.labels { perClass[label] += 1 }
        #expect(perClass == [Int](repeating: 6000, count: 10), "Fashion-MNIST has 6000 training images per class")
        #expect(train.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(train.images.scalars.contains(1))
        print("Fashion-MNIST train split loaded in \(String(format: "%.3f", seconds)) s")
        let (train2, validation) = try ImageDataset.validationSplit(train, fraction: 0.2)
        #expect(train2.count == 48000 && validation.count == 12000)
        #expect(try ImageDataset.loadMNISTFormat(directory: ImageDataset.defaultFashionMNISTDirectory, split: .test, limit: 100).labels
                == Array(test.labels.prefix(100)))
    }
}
