/// The elements of a `.npy` array in the dtype the file stores, for data sets: uint8 images,
/// integer labels, or floating-point values.
public enum NPYElements: Sendable, Equatable {
    /// `'|u1'` (NumPy `uint8`; `'<u1'` is read as the same).
    case uint8([UInt8])
    /// `'<i4'` (NumPy `int32`).
    case int32([Int32])
    /// `'<i8'` (NumPy `int64`, NumPy's default integer on Linux).
    case int64([Int64])
    /// `'<f4'` (NumPy `float32`).
    case float32([Float])
    /// `'<f8'` (NumPy `float64`).
    case float64([Double])

    /// The number of elements.
    public var count: Int {
        switch self {
        case .uint8(let values): return values.count
        case .int32(let values): return values.count
        case .int64(let values): return values.count
        case .float32(let values): return values.count
        case .float64(let values): return values.count
        }
    }

    /// The NumPy dtype name (`uint8`, `int32`, `int64`, `float32`, `float64`).
    public var dtypeName: String {
        switch self {
        case .uint8: return "uint8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }

    /// Whether the elements are integers (uint8, int32, int64).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int32, .int64: return true
        case .float32, .float64: return false
        }
    }

    /// Element `index` as a Double (exact for every integer below 2^53).
    @inlinable
    public func value(at index: Int) -> Double {
        switch self {
        case .uint8(let values): return Double(values[index])
        case .int32(let values): return Double(values[index])
        case .int64(let values): return Double(values[index])
        case .float32(let values): return Double(values[index])
        case .float64(let values): return values[index]
        }
    }
}

/// A `.npy` array of any dtype ``NPY/readElements(contentsOf:)`` supports: its shape and elements.
public struct NPYElementArray: Sendable, Equatable {
    /// The array's extents, row-major (empty for a 0-d array).
    public var shape: [Int]
    /// The elements in row-major order, in the file's dtype.
    public var elements: NPYElements

    /// Wraps a shape and its elements.
    /// - Precondition: `elements.count` equals the product of `shape`.
    public init(shape: [Int], elements: NPYElements) {
        precondition(shape.reduce(1, *) == elements.count, "shape \(shape) does not hold \(elements.count) elements")
        self.shape = shape
        self.elements = elements
    }
}

extension NPY {
    /// The dtypes ``readElements(contentsOf:)`` accepts, for error messages.
    static var elementDtypeList: String {
        "'|u1' (uint8), '<i4' (int32), '<i8' (int64), '<f4' (float32) or '<f8' (float64)"
    }

    /// Reads a `.npy` array stored as uint8, int32, int64, float32 or float64 — the dtypes of image
    /// and label data sets — keeping the file's dtype (``read(contentsOf:)`` reads floats only).
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when the file cannot be read,
    ///   ``SpectralConvError/invalidFormat(path:reason:)`` for contents that are not such an array.
    public static func readElements(contentsOf path: String) throws(SpectralConvError) -> NPYElementArray {
        try decodeElements(readFile(path), path: path)
    }

    /// Decodes the bytes of a `.npy` file like ``readElements(contentsOf:)``; `path` only names the
    /// source in error messages.
    public static func decodeElements(_ bytes: [UInt8], path: String = "<memory>") throws(SpectralConvError) -> NPYElementArray {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SpectralConvError) -> NPYElementArray in try decodeElements(raw, path: path) }
        }
        return try result.get()
    }

    private static func elementItemSize(_ descr: String) -> Int? {
        switch descr {
        case "|u1", "<u1": return 1
        case "<i4", "<f4": return 4
        case "<i8", "<f8": return 8
        default: return nil
        }
    }

    private static func decodeElements(_ raw: UnsafeRawBufferPointer, path: String) throws(SpectralConvError) -> NPYElementArray {
        let payload = try locatePayload(in: raw, path: path) { descr throws(SpectralConvError) -> Int in
            guard let size = elementItemSize(descr) else {
                var hint = ""
                if descr.hasPrefix(">") { hint = " (big-endian data: save it with a.astype(a.dtype.newbyteorder('<')))" }
                throw .invalidFormat(path: path, reason: "unsupported dtype '\(descr)'; expected \(elementDtypeList)\(hint)")
            }
            return size
        }
        let data = UnsafeRawBufferPointer(rebasing: raw[payload.data])
        let count = payload.count
        func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    buffer[index] = T(littleEndian: data.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
                }
                initialized = count
            }
        }
        let elements: NPYElements
        switch payload.header.descr {
        case "|u1", "<u1": elements = .uint8(Array(data))
        case "<i4": elements = .int32(load(Int32.self))
        case "<i8": elements = .int64(load(Int64.self))
        case "<f4": elements = .float32(load(UInt32.self).map(Float.init(bitPattern:)))
        default: elements = .float64(load(UInt64.self).map(Double.init(bitPattern:)))
        }
        return NPYElementArray(shape: payload.header.shape, elements: elements)
    }
}
