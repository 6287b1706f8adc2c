import Foundation

/// Builds safetensors files (Hugging Face's format, readable by Python's `safetensors` and, through
/// its header, by plain numpy):
///
///     [8 bytes: header length n, little-endian u64][n bytes: JSON header, space-padded to a multiple of 8][data]
///
/// The header maps each tensor name to `{"dtype": "F32"|"F64", "shape": [...], "data_offsets": [begin, end]}`
/// (byte offsets into the data section, contiguous, in the order the tensors were added) and an optional
/// `"__metadata__"` object of strings. Data is little-endian, row-major. ``write(to:)`` is atomic: a
/// temporary file in the same directory, flushed with `fsync`, renamed over the destination — a crash
/// leaves either the old file or the new one, never a partial one.
public struct SafetensorsWriter: Sendable {
    private var header: [String] = []
    private var data: [UInt8] = []
    private var names = Set<String>()
    /// String metadata stored under `__metadata__`.
    public var metadata: [String: String] = [:]

    public init() {}

    /// Appends `tensor` as F32 (Float) or F64 (Double). A repeated name replaces nothing: it is a
    /// programming error (precondition).
    public mutating func add<S: TensorScalar>(_ name: String, _ tensor: Tensor<S>) {
        precondition(names.insert(name).inserted, "safetensors: tensor '\(name)' added twice")
        precondition(name != "__metadata__", "safetensors: '__metadata__' is reserved")
        let begin = data.count
        let itemSize = MemoryLayout<S>.size
        data.reserveCapacity(data.count + tensor.count * itemSize)
        tensor.withUnsafeBufferPointer { buffer in
            if S.precision == .single {
                for value in buffer { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            } else {
                for value in buffer { withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        let dtype = S.precision == .single ? "F32" : "F64"
        header.append("\(Self.quoted(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(data.count)]}")
    }

    /// The complete file.
    public func encoded() -> [UInt8] {
        var parts = header
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            parts.insert("\"__metadata__\":{\(fields.joined(separator: ","))}", at: 0)
        }
        var json = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + data.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    /// Writes the file to `path` atomically (temporary file + fsync + rename).
    /// - Throws: ``SpectralConvError/io(path:reason:)``.
    public func write(to path: String) throws(SpectralConvError) {
        try NPY.writeFileAtomically(encoded(), to: path)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
