import Foundation
import Testing
import SpectralConv

@Suite struct SafetensorsTests {
    @Test("round trip F32/F64 + metadata; Python-compatible layout, checked byte by byte")
    func roundTrip() throws {
        var writer = SafetensorsWriter()
        let weight = try Tensor<Float>(shape: [2, 1, 1, 2], scalars: [1, -2, 0.5, 3])
        writer.add("conv1.weight", weight)
        writer.add("optimizer/conv1.weight/0", try Tensor<Double>(shape: [2], scalars: [0.1, -1e-300]))
        writer.metadata["format"] = "x\"y"
        let bytes = writer.encoded()
        let headerLength = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(headerLength % 8 == 0 && bytes.count == 8 + headerLength + 16 + 16)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"format":"x\"y"},"conv1.weight":{"dtype":"F32","shape":[2,1,1,2],"data_offsets":[0,16]},"optimizer/conv1.weight/0":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}"#))
        #expect(header.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
        // 1.0f little-endian = 00 00 80 3F; -2.0f = 00 00 00 C0.
        #expect(Array(bytes[(8 + headerLength)..<(8 + headerLength + 8)]) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
        let file = try SafetensorsFile(bytes: bytes)
        #expect(file.metadata == ["format": "x\"y"])
        #expect(try file.tensor(named: "conv1.weight", as: Float.self) == weight)
        #expect(try file.tensor(named: "optimizer/conv1.weight/0").scalars == [0.1, -1e-300])

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        #expect(try SafetensorsFile(contentsOf: path).entries.count == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path).filter { $0.contains(".tmp-") && $0.contains("st-") }
        #expect(leftovers.isEmpty)
    }

    @Test("corrupt files are typed errors")
    func corrupt() throws {
        var writer = SafetensorsWriter()
        writer.add("w", Tensor<Float>(shape: [4], repeating: 1))
        let good = writer.encoded()
        #expect(throws: SpectralConvError.self) { try SafetensorsFile(bytes: Array(good.prefix(5))) }
        #expect(throws: SpectralConvError.self) { try SafetensorsFile(bytes: Array(good.dropLast(4))) }
        var badLength = good
        badLength[0] = 0xFF
        #expect(throws: SpectralConvError.self) { try SafetensorsFile(bytes: badLength) }
        var badJSON = good
        badJSON[8] = UInt8(ascii: "[")
        #expect(throws: SpectralConvError.self) { try SafetensorsFile(bytes: badJSON) }
        let header = Array(#"{"__metadata__":{"a":1},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        let badMetadata = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [0, 0, 0, 0]
        #expect(throws: SpectralConvError.self) { try SafetensorsFile(bytes: badMetadata) }
        #expect(throws: SpectralConvError.self) { try SafetensorsFile(contentsOf: "/nonexistent/x.safetensors") }
    }
}
