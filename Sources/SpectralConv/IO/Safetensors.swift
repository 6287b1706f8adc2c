import Foundation

/// A reader of the safetensors format (Hugging Face), enough for the training runs' checkpoints
/// (the writer is ``SafetensorsWriter``).
///
/// Layout: an 8-byte little-endian unsigned header length `n`; `n` bytes of UTF-8 JSON mapping each
/// tensor name to `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}` (offsets relative
/// to the byte after the header; an optional `"__metadata__"` entry maps strings to strings); then
/// the data, little-endian, row-major. Reads dtypes `F32` and `F64`; anything else, a truncated
/// file, a malformed header or offsets that disagree with the shape is a typed error.
public struct SafetensorsFile: Sendable {
    /// One entry of the header.
    public struct Entry: Sendable, Equatable {
        /// `F32`, `F64`, `F16`, `I64`, … as written in the file.
        public let dtype: String
        /// Row-major shape.
        public let shape: [Int]
        /// `[begin, end)` within the data section.
        public let dataOffsets: (Int, Int)

        public static func == (a: Entry, b: Entry) -> Bool {
            a.dtype == b.dtype && a.shape == b.shape && a.dataOffsets == b.dataOffsets
        }
    }

    /// The file's path (for messages).
    public let path: String
    /// Every tensor's header entry, by name.
    public let entries: [String: Entry]
    /// The header's `__metadata__` (string to string; empty when absent).
    public let metadata: [String: String]
    private let bytes: [UInt8]
    private let dataStart: Int

    /// Reads and validates the header of the file at `path`.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when the file cannot be read,
    ///   ``SpectralConvError/invalidFormat(path:reason:)`` when it is not a safetensors file.
    public init(contentsOf path: String) throws(SpectralConvError) {
        try self.init(bytes: try NPY.readFile(path), path: path)
    }

    /// Parses safetensors bytes; `path` names the source in messages.
    public init(bytes: [UInt8], path: String = "<memory>") throws(SpectralConvError) {
        self.path = path
        self.bytes = bytes
        guard bytes.count >= 8 else {
            throw .invalidFormat(path: path, reason: "too short for a safetensors file (\(bytes.count) bytes; expected an 8-byte header length first)")
        }
        var length: UInt64 = 0
        for index in (0..<8).reversed() { length = length << 8 | UInt64(bytes[index]) }
        guard length >= 2, length <= UInt64(bytes.count - 8) else {
            throw .invalidFormat(path: path, reason: "header length \(length) does not fit the file's \(bytes.count - 8) bytes after the length; not a safetensors file?")
        }
        dataStart = 8 + Int(length)
        let headerData = Data(bytes[8..<dataStart])
        guard let object = try? JSONSerialization.jsonObject(with: headerData), let header = object as? [String: Any] else {
            throw .invalidFormat(path: path, reason: "the header is not a JSON object")
        }
        let dataCount = bytes.count - dataStart
        var metadata: [String: String] = [:]
        if let value = header["__metadata__"] {
            guard let fields = value as? [String: Any] else {
                throw .invalidFormat(path: path, reason: "__metadata__ is not a JSON object of strings")
            }
            for (key, field) in fields {
                guard let text = field as? String else {
                    throw .invalidFormat(path: path, reason: "__metadata__ value '\(key)' is not a string")
                }
                metadata[key] = text
            }
        }
        self.metadata = metadata
        var entries: [String: Entry] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shapeValues = fields["shape"] as? [Any], let offsetValues = fields["data_offsets"] as? [Any],
                  offsetValues.count == 2 else {
                throw .invalidFormat(path: path, reason: "tensor '\(name)' lacks dtype, shape or data_offsets [begin, end]")
            }
            let shape = shapeValues.compactMap { ($0 as? NSNumber)?.intValue }
            let offsets = offsetValues.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 }), offsets.count == 2,
                  0 <= offsets[0], offsets[0] <= offsets[1], offsets[1] <= dataCount else {
                throw .invalidFormat(path: path, reason: "tensor '\(name)' has a bad shape \(shapeValues) or data_offsets \(offsetValues) (data section: \(dataCount) bytes)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, dataOffsets: (offsets[0], offsets[1]))
        }
        self.entries = entries
    }

    /// The tensor called `name`, converted to Double.
    public func tensor(named name: String) throws(SpectralConvError) -> Tensor<Double> {
        try tensor(named: name, as: Double.self)
    }

    /// The tensor called `name` in precision `S` (F32 → Float and F64 → Double are exact).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when no tensor has that name (the message
    ///   lists the names there are), ``SpectralConvError/invalidFormat(path:reason:)`` for an
    ///   unsupported dtype or a byte range that does not match the shape.
    public func tensor<S: TensorScalar>(named name: String, as _: S.Type) throws(SpectralConvError) -> Tensor<S> {
        guard let entry = entries[name] else {
            let names = entries.keys.sorted()
            let list = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", … (\(names.count) in all)" : "")
            throw .invalidArgument("\(path) has no tensor '\(name)'; it has: \(names.isEmpty ? "(none)" : list)")
        }
        let itemSize: Int
        switch entry.dtype {
        case "F32": itemSize = 4
        case "F64": itemSize = 8
        default:
            throw .invalidFormat(path: path, reason: "tensor '\(name)' has dtype \(entry.dtype); expected F32 or F64")
        }
        let count = entry.shape.reduce(1, *)
        guard entry.dataOffsets.1 - entry.dataOffsets.0 == count * itemSize else {
            throw .invalidFormat(path: path, reason: "tensor '\(name)' of shape \(entry.shape) \(entry.dtype) needs \(count * itemSize) bytes but data_offsets span \(entry.dataOffsets.1 - entry.dataOffsets.0)")
        }
        let start = dataStart + entry.dataOffsets.0
        var scalars = [S](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                let offset = start + index * itemSize
                scalars[index] = itemSize == 4
                    ? S(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                    : S(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
            }
        }
        return try Tensor(shape: entry.shape, scalars: scalars)
    }

    /// The bytes of a safetensors file holding `tensors` as F32 (for tests and tools).
    public static func encode(_ tensors: [(name: String, tensor: Tensor<Float>)]) -> [UInt8] {
        var writer = SafetensorsWriter()
        for (name, tensor) in tensors { writer.add(name, tensor) }
        return writer.encoded()
    }
}
