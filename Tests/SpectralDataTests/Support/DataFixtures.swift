import CZlib
import Foundation
import SpectralConv
import Testing

/// A temporary folder removed when the value is dropped.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "spectraldata-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    /// Writes `bytes` gzip-compressed with zlib's gzopen/gzwrite.
    func writeGzip(_ bytes: [UInt8], to name: String) throws {
        guard let handle = gzopen(file(name), "wb") else { throw CocoaError(.fileWriteUnknown) }
        let written = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
        #expect(Int(written) == bytes.count || bytes.isEmpty)
        #expect(gzclose(handle) == Z_OK)
    }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }
}

/// Bytes of IDX files.
enum IDX {
    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func images(_ pixels: [UInt8], count: Int, rows: Int, columns: Int, magic: UInt32 = 0x0803) -> [UInt8] {
        bigEndian(magic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(columns)) + pixels
    }

    static func labels(_ labels: [UInt8], magic: UInt32 = 0x0801) -> [UInt8] {
        bigEndian(magic) + bigEndian(UInt32(labels.count)) + labels
    }

    /// A small data set: `count` images of rows × columns whose pixel k of image n is (n·31 + k·7) mod 256,
    /// labels n mod 3.
    static func sample(count: Int = 5, rows: Int = 3, columns: Int = 4) -> (pixels: [UInt8], labels: [UInt8]) {
        let pixels = (0..<(count * rows * columns)).map { UInt8(($0 / (rows * columns) * 31 + $0 % (rows * columns) * 7) % 256) }
        return (pixels, (0..<count).map { UInt8($0 % 3) })
    }

    /// Writes the sample as `prefix`-images/labels files, gzip or plain.
    static func writeSample(in folder: TemporaryFolder, prefix: String = "train", gzip: Bool, count: Int = 5) throws {
        let (pixels, labels) = sample(count: count)
        let suffix = gzip ? ".gz" : ""
        let write = gzip ? folder.writeGzip : folder.write
        try write(images(pixels, count: count, rows: 3, columns: 4), "\(prefix)-images-idx3-ubyte\(suffix)")
        try write(Self.labels(labels), "\(prefix)-labels-idx1-ubyte\(suffix)")
    }
}

/// Bytes of a `.npy` file (format 1.0) with the given descr, shape and raw little-endian data.
func npyFile(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var text = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
    let total = (10 + text.count + 1 + 63) / 64 * 64
    text += [UInt8](repeating: 0x20, count: total - 10 - text.count - 1) + [0x0A]
    return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
}

func littleEndianBytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }
func littleEndianBytes(_ values: [Double]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }

/// Expects `body` to throw a ``SpectralConvError`` whose one-line description mentions every one of `words`.
func expectDataError(
    mentioning words: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    let error = #expect(throws: SpectralConvError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    let text = error.description
    for word in words {
        #expect(text.lowercased().contains(word.lowercased()), "error '\(text)' does not mention '\(word)'", sourceLocation: sourceLocation)
    }
    #expect(!text.contains("\n"), "error is not one line: \(text)", sourceLocation: sourceLocation)
}
