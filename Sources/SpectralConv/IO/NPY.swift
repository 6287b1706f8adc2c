import Foundation

/// The element types the toolkit reads from and writes to `.npy` files.
public enum NPYDataType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Little-endian IEEE binary32, NumPy `float32` (`descr` `'<f4'`).
    case float32 = "<f4"
    /// Little-endian IEEE binary64, NumPy `float64` (`descr` `'<f8'`).
    case float64 = "<f8"

    /// The NumPy `descr` string.
    public var descr: String { rawValue }
    /// Bytes per element.
    public var itemSize: Int { self == .float32 ? 4 : 8 }
    /// The NumPy dtype name (`float32`, `float64`).
    public var description: String { self == .float32 ? "float32" : "float64" }

    /// The type a ``TensorScalar`` is stored as.
    public static func of<S: TensorScalar>(_: S.Type) -> NPYDataType {
        S.precision == .single ? .float32 : .float64
    }

    /// `'<f4' (float32) or '<f8' (float64)`, for error messages.
    static var supportedList: String { "'<f4' (float32) or '<f8' (float64)" }
}

/// An array read from a `.npy` file, in the precision the file holds.
///
/// ```swift
/// let array = try NPY.read(contentsOf: "x.npy")
/// let x: Tensor<Float> = array.tensor()        // converted if the file holds float64
/// ```
public enum NPYArray: Sendable, Equatable {
    case float32(Tensor<Float>)
    case float64(Tensor<Double>)

    /// Wraps a tensor in the case of its precision.
    public init<S: TensorScalar>(_ tensor: Tensor<S>) {
        switch S.precision {
        case .single: self = .float32(tensor.converted(to: Float.self))
        case .double: self = .float64(tensor.converted(to: Double.self))
        }
    }

    /// The file's element type.
    public var dataType: NPYDataType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        }
    }

    /// The array's shape (row-major).
    public var shape: [Int] {
        switch self {
        case .float32(let tensor): return tensor.shape
        case .float64(let tensor): return tensor.shape
        }
    }

    /// The elements as a tensor of `S`, converted when the file holds the other precision
    /// (float64 → Float rounds to nearest).
    public func tensor<S: TensorScalar>(as _: S.Type = S.self) -> Tensor<S> {
        switch self {
        case .float32(let tensor): return tensor.converted(to: S.self)
        case .float64(let tensor): return tensor.converted(to: S.self)
        }
    }
}

/// Reading and writing NumPy `.npy` files (the format of `numpy.save` / `numpy.load`).
///
/// - Reads format versions 1.0, 2.0 and 3.0 with dtype `'<f4'` or `'<f8'`, C (row-major) order,
///   any rank (a 0-d array becomes a tensor of shape `[]`).
/// - Writes format 1.0 (2.0 only for headers over 64 KiB) with `fortran_order: False`, replacing
///   the destination atomically: the bytes go to a temporary file in the same directory, which is
///   then renamed over the destination, so a reader never sees a partial file.
///
/// Every failure throws ``SpectralConvError``: ``SpectralConvError/io(path:reason:)`` for a file
/// that cannot be opened, read or written, ``SpectralConvError/invalidFormat(path:reason:)`` for
/// contents that are not a supported `.npy` array; each message says what was expected.
public enum NPY {
    /// Reads the array stored in the `.npy` file at `path`.
    public static func read(contentsOf path: String) throws(SpectralConvError) -> NPYArray {
        let bytes = try readFile(path)
        return try decode(bytes, path: path)
    }

    /// Decodes the bytes of a `.npy` file; `path` only names the source in error messages.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws(SpectralConvError) -> NPYArray {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SpectralConvError) -> NPYArray in try decode(raw, path: path) }
        }
        return try result.get()
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, path: String) throws(SpectralConvError) -> NPYArray {
        let payload = try locatePayload(in: raw, path: path) { descr throws(SpectralConvError) -> Int in
            guard let dataType = NPYDataType(rawValue: descr) else {
                throw .invalidFormat(path: path, reason: unsupportedDtypeReason(descr))
            }
            return dataType.itemSize
        }
        let data = UnsafeRawBufferPointer(rebasing: raw[payload.data])
        switch NPYDataType(rawValue: payload.header.descr)! {
        case .float32:
            return .float32(try tensor(shape: payload.header.shape, count: payload.count, data: data, as: Float.self, bits: UInt32.self, path: path))
        case .float64:
            return .float64(try tensor(shape: payload.header.shape, count: payload.count, data: data, as: Double.self, bits: UInt64.self, path: path))
        }
    }

    /// The parsed header of a `.npy` file and where its elements lie, after the checks every dtype
    /// shares: C order, an element count that fits in memory, and enough bytes after the header.
    /// `itemSize` maps the header's `descr` to bytes per element or throws for an unsupported dtype.
    static func locatePayload(
        in raw: UnsafeRawBufferPointer, path: String, itemSize: (String) throws(SpectralConvError) -> Int
    ) throws(SpectralConvError) -> (header: NPYHeader, count: Int, data: Range<Int>) {
        let location = try NPYHeader.locate(in: raw, path: path)
        let header = try NPYHeader(parsing: location.text, path: path)
        let size = try itemSize(header.descr)
        guard !header.fortranOrder else {
            throw .invalidFormat(
                path: path,
                reason: "Fortran (column-major) order is not supported; expected fortran_order False (save np.ascontiguousarray(a))")
        }
        var count = 1
        for extent in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw .invalidFormat(path: path, reason: "shape \(header.shape) has more elements than fit in memory")
            }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: size)
        let available = raw.count - location.dataOffset
        guard !overflow, byteCount <= available else {
            throw .invalidFormat(
                path: path,
                reason: "data is truncated: shape \(shapeText(header.shape)) of \(header.descr) needs \(overflow ? "more than \(Int.max)" : "\(byteCount)") bytes after the header, but the file has \(available)")
        }
        return (header, count, location.dataOffset..<(location.dataOffset + byteCount))
    }

    /// The bytes of a `.npy` file holding `tensor` (dtype `'<f4'` for Float, `'<f8'` for Double).
    public static func encode<S: TensorScalar>(_ tensor: Tensor<S>) -> [UInt8] {
        let header = NPYHeader(descr: NPYDataType.of(S.self).descr, shape: tensor.shape).encoded()
        var bytes = header
        bytes.reserveCapacity(header.count + tensor.count * MemoryLayout<S>.size)
        tensor.withUnsafeBufferPointer { elements in
            switch S.precision {
            case .single:
                for value in elements { appendLittleEndian(Float(value).bitPattern, to: &bytes) }
            case .double:
                for value in elements { appendLittleEndian(Double(value).bitPattern, to: &bytes) }
            }
        }
        return bytes
    }

    /// Writes `tensor` to `path` as a `.npy` file, atomically (temporary file + rename).
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when the directory is missing or not
    ///   writable, or the disk is full; the destination is then left as it was.
    public static func write<S: TensorScalar>(_ tensor: Tensor<S>, to path: String) throws(SpectralConvError) {
        try writeFileAtomically(encode(tensor), to: path)
    }

    /// Writes `array` to `path` in its own precision, atomically.
    public static func write(_ array: NPYArray, to path: String) throws(SpectralConvError) {
        switch array {
        case .float32(let tensor): try write(tensor, to: path)
        case .float64(let tensor): try write(tensor, to: path)
        }
    }

    // MARK: - Elements

    private static func tensor<S: TensorScalar, Bits: FixedWidthInteger & UnsignedInteger>(
        shape: [Int], count: Int, data: UnsafeRawBufferPointer, as _: S.Type, bits _: Bits.Type, path: String
    ) throws(SpectralConvError) -> Tensor<S> {
        let scalars = [S](unsafeUninitializedCapacity: count) { buffer, initialized in
            let size = MemoryLayout<Bits>.size
            for index in 0..<count {
                let bits = Bits(littleEndian: data.loadUnaligned(fromByteOffset: index * size, as: Bits.self))
                buffer.initializeElement(at: index, to: S.precision == .single
                    ? S(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
                    : S(Double(bitPattern: UInt64(truncatingIfNeeded: bits))))
            }
            initialized = count
        }
        do {
            return try Tensor(shape: shape, scalars: scalars)
        } catch {
            throw .invalidFormat(path: path, reason: "shape \(shapeText(shape)): \(error)")
        }
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { bytes.append(contentsOf: $0) }
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    static func unsupportedDtypeReason(_ descr: String) -> String {
        var hint = ""
        if descr.hasPrefix(">") { hint = " (big-endian data: save it with a.astype(a.dtype.newbyteorder('<')))" }
        else if descr.dropFirst() == "f2" { hint = " (half precision: save it with a.astype(np.float32))" }
        else if descr.count >= 2, "iub".contains(descr.dropFirst().first!) { hint = " (integer data: save it with a.astype(np.float32))" }
        return "unsupported dtype '\(descr)'; expected \(NPYDataType.supportedList)\(hint)"
    }

    // MARK: - Files

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func readFile(_ path: String) throws(SpectralConvError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: path, reason: "cannot open for reading: \(errnoText())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(path: path, reason: "cannot stat: \(errnoText())") }
        guard (status.st_mode & S_IFMT) != S_IFDIR else { throw .io(path: path, reason: "is a directory, not a file") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(Int(status.st_size), 0))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: "cannot read: \(errnoText())")
            }
            if got == 0 { break }
            bytes += chunk[0..<got]
        }
        return bytes
    }

    /// Writes `bytes` to a new temporary file next to `path`, flushes it, and renames it over `path`.
    static func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(SpectralConvError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .io(path: path, reason: "cannot create a file in \(directory): \(errnoText())")
        }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write: \(errnoText())"
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = "cannot flush: \(errnoText())" }
        if close(descriptor) != 0, failure == nil { failure = "cannot close: \(errnoText())" }
        if failure == nil, rename(temporary, path) != 0 { failure = "cannot replace: \(errnoText())" }
        if let failure {
            unlink(temporary)
            throw .io(path: path, reason: failure)
        }
    }
}
