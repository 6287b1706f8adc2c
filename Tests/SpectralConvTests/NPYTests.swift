import Foundation
import Testing
@testable import SpectralConv

/// `.npy` reading and writing, against header bytes exactly as NumPy 2.x writes them.
@Suite struct NPYTests {
    /// Bytes of a `.npy` file: magic, version, little-endian header length, the header text padded
    /// with spaces and a newline to a multiple of 64 bytes (as `numpy.lib.format` does), then `data`.
    static func file(_ header: String, version: UInt8 = 1, pad: Bool = true, data: [UInt8] = []) -> [UInt8] {
        var text = Array(header.utf8)
        let prefix = version == 1 ? 10 : 12
        if pad {
            let total = (prefix + text.count + 1 + 63) / 64 * 64
            text += [UInt8](repeating: 0x20, count: total - prefix - text.count - 1)
        }
        text.append(0x0A)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        let length = text.count
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF)]
        if version != 1 { bytes += [UInt8(length >> 16 & 0xFF), UInt8(length >> 24 & 0xFF)] }
        return bytes + text + data
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
    }

    static func littleEndian(_ values: [Double]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
    }

    /// `np.save(f, np.arange(6, dtype='<f4').reshape(2, 3))`, byte for byte.
    static let numpyFloat32: [UInt8] = {
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 118, 0]
        bytes += Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".utf8)
        bytes += [UInt8](repeating: 0x20, count: 58) + [0x0A]  // 59 + 58 + 1 = 118
        bytes += [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40,
                  0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xa0, 0x40]
        return bytes
    }()

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "npy-tests-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    // MARK: Reading what NumPy writes

    @Test func readsNumPyFloat32() throws {
        #expect(Self.numpyFloat32.count == 152)
        let array = try NPY.decode(Self.numpyFloat32)
        #expect(array.dataType == .float32)
        #expect(array == .float32(try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])))
        #expect(array.tensor(as: Double.self) == (try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])))
    }

    @Test func readsNumPyFloat64OneDimensional() throws {
        let bytes = Self.file("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", data: Self.littleEndian([1.5, -2.0] as [Double]))
        #expect(bytes.count == 144)
        let array = try NPY.decode(bytes)
        #expect(array == .float64(try Tensor(shape: [2], scalars: [1.5, -2.0])))
        #expect(array.tensor(as: Float.self).scalars == [1.5, -2.0])
    }

    @Test func readsScalarAndEmptyArrays() throws {
        let scalar = try NPY.decode(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: Self.littleEndian([3.5] as [Float])))
        #expect(scalar.shape == [] && scalar.tensor(as: Float.self).scalars == [3.5])
        let empty = try NPY.decode(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }"))
        #expect(empty.shape == [0, 3])
    }

    @Test(arguments: [UInt8(2), 3])
    func readsVersions2And3(version: UInt8) throws {
        let bytes = Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", version: version, data: Self.littleEndian([0, 1, 2] as [Float]))
        #expect(bytes.count == 140)
        #expect(try NPY.decode(bytes).tensor(as: Float.self).scalars == [0, 1, 2])
    }

    @Test func toleratesOtherKeyOrderQuotesAndUnpaddedHeaders() throws {
        let bytes = Self.file("{\"shape\": (1,2,), \"fortran_order\": False, \"descr\": \"<f4\"}", pad: false, data: Self.littleEndian([7, 8] as [Float]))
        #expect(try NPY.decode(bytes).tensor(as: Float.self) == (try Tensor(shape: [1, 2], scalars: [7, 8])))
        let legacy = Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", data: Self.littleEndian([1, 2] as [Float]))
        #expect(try NPY.decode(legacy).shape == [2])
    }

    // MARK: Writing

    @Test func encodesExactlyAsNumPy() {
        let tensor = try! Tensor<Float>(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(NPY.encode(tensor) == Self.numpyFloat32)
        let scalar = NPY.encode(Tensor<Float>(shape: [], repeating: 3.5))
        #expect(scalar == Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: Self.littleEndian([3.5] as [Float])))
    }

    @Test(arguments: [[], [0], [5], [2, 3], [2, 3, 4, 5], [1, 1, 1, 1, 1, 1, 7]] as [[Int]])
    func roundTripsThroughAFile(shape: [Int]) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let single = Tensor<Float>.uniform(shape: shape, seed: 1)
        let double = Tensor<Double>.uniform(shape: shape, seed: 2)
        try NPY.write(single, to: directory + "/s.npy")
        try NPY.write(double, to: directory + "/d.npy")
        #expect(try NPY.read(contentsOf: directory + "/s.npy") == .float32(single))
        #expect(try NPY.read(contentsOf: directory + "/d.npy") == .float64(double))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/s.npy")))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == 0x0A)
    }

    @Test func writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/y.npy"
        try NPY.write(Tensor<Float>(shape: [100], repeating: 1), to: path)
        try NPY.write(Tensor<Double>(shape: [2], repeating: 2), to: path)
        #expect(try NPY.read(contentsOf: path) == .float64(Tensor(shape: [2], repeating: 2)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["y.npy"])
    }

    // MARK: Errors

    /// Decodes `bytes`, expecting ``SpectralConvError/invalidFormat(path:reason:)`` whose reason
    /// contains every one of `fragments`.
    func expectFormatError(_ bytes: [UInt8], _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let array = try NPY.decode(bytes, path: "bad.npy")
            Issue.record("decoded \(array) instead of failing", sourceLocation: sourceLocation)
        } catch {
            guard case .invalidFormat(let path, let reason) = error else {
                Issue.record("wrong error \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(path == "bad.npy", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(reason.contains(fragment), "\(reason)", sourceLocation: sourceLocation)
            }
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        }
    }

    @Test func badMagic() {
        expectFormatError(Array("PK\u{3}\u{4} this is a zip file".utf8), "magic", "\\x93NUMPY")
        expectFormatError([0x93, 0x4E], "too short")
    }

    @Test func unknownVersion() {
        var bytes = Self.numpyFloat32
        bytes[6] = 4
        expectFormatError(bytes, "version 4.0", "expected 1.0, 2.0 or 3.0")
    }

    @Test func truncatedHeader() {
        expectFormatError(Array(Self.numpyFloat32.prefix(40)), "truncated header", "118 bytes")
    }

    @Test func corruptHeaders() {
        expectFormatError(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), "), "corrupt header")
        expectFormatError(Self.file("['descr', '<f4']"), "corrupt header", "not a dict")
        expectFormatError(Self.file("{'descr': '<f4', 'shape': (2, 3), }"), "corrupt header", "'fortran_order'")
        expectFormatError(Self.file("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }"), "'fortran_order' is not True or False")
        expectFormatError(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }"), "non-negative")
        expectFormatError(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }"), "'shape' is not a tuple")
        expectFormatError(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } junk"), "corrupt header")
        expectFormatError(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }"), "more elements")
    }

    @Test(arguments: ["<i8", ">f4", "<f2", "|u1", "<c8", "|b1"])
    func unsupportedDtypes(descr: String) {
        expectFormatError(Self.file("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2,), }", data: [UInt8](repeating: 0, count: 32)),
                          "unsupported dtype '\(descr)'", "expected '<f4' (float32) or '<f8' (float64)")
    }

    @Test func structuredDtype() {
        expectFormatError(Self.file("{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (2,), }"),
                          "unsupported dtype", "'<f4' (float32)")
    }

    @Test func fortranOrder() {
        expectFormatError(Self.file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data: Self.littleEndian([Float](repeating: 0, count: 6))),
                          "Fortran", "fortran_order False")
    }

    @Test func dataShorterThanTheShape() {
        expectFormatError(Array(Self.numpyFloat32.dropLast(5)), "data is truncated", "(2, 3)", "needs 24 bytes", "has 19")
    }

    @Test func missingFileAndDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: SpectralConvError.io(path: directory + "/none.npy", reason: "cannot open for reading: No such file or directory")) {
            try NPY.read(contentsOf: directory + "/none.npy")
        }
        #expect(throws: SpectralConvError.io(path: directory, reason: "is a directory, not a file")) {
            try NPY.read(contentsOf: directory)
        }
        do {
            try NPY.write(Tensor<Float>(shape: [1]), to: directory + "/missing/y.npy")
            Issue.record("wrote into a missing directory")
        } catch {
            guard case .io(let path, let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == directory + "/missing/y.npy")
            #expect(reason.contains("No such file or directory"))
        }
    }
}
