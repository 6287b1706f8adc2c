import SpectralConv

/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian header then raw data.
///
///     magic (4 bytes)          0x00 0x00 type ndims — type 0x08 = unsigned byte
///     ndims × extent (u32 BE)  e.g. 60000, 28, 28
///     data                     row-major, Π extents bytes
///
/// Images are magic `0x00000803` (N × rows × columns), labels `0x00000801` (N). Files may be
/// gzip-compressed; ``GzipReader`` handles both.
enum IDXFile {
    /// Magic number of unsigned-byte images with three dimensions.
    static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of unsigned-byte labels with one dimension.
    static let labelsMagic: UInt32 = 0x0000_0801

    /// An opened IDX file whose header has been read; the reader stands at the first data byte.
    struct Header {
        var reader: GzipReader
        var extents: [Int]
    }

    /// Opens `path` and reads its header, which must carry `magic`.
    /// - Throws: typed errors naming the file: missing or unreadable (`io`), not gzip although named
    ///   `.gz`, empty, truncated header, wrong magic (`invalidFormat`).
    static func open(_ path: String, magic: UInt32) throws(SpectralConvError) -> Header {
        let reader = try GzipReader(path: path)
        let what = describe(magic)
        let head = try reader.read(count: 4)
        if path.hasSuffix(".gz"), reader.isPlain, !head.isEmpty {
            throw .invalidFormat(path: path, reason: "not gzip data although the name ends in .gz; expected gzip-compressed IDX \(what) (or a plain file without .gz)")
        }
        guard !head.isEmpty else {
            throw .invalidFormat(path: path, reason: "file is empty; expected IDX \(what)")
        }
        guard head.count == 4 else {
            throw .invalidFormat(path: path, reason: "truncated header: \(head.count) bytes; expected a 4-byte IDX magic number")
        }
        let found = bigEndian(head, at: 0)
        guard found == magic else {
            throw .invalidFormat(path: path, reason: "magic number \(hex(found))\(describeFound(found)); expected \(hex(magic)) (IDX \(what))")
        }
        let dimensions = Int(magic & 0xFF)
        let extentBytes = try reader.read(count: 4 * dimensions)
        guard extentBytes.count == 4 * dimensions else {
            throw .invalidFormat(path: path, reason: "truncated header: \(4 + extentBytes.count) bytes; expected \(4 + 4 * dimensions) (magic and \(dimensions) big-endian dimension\(dimensions == 1 ? "" : "s"))")
        }
        let extents = (0..<dimensions).map { Int(bigEndian(extentBytes, at: 4 * $0)) }
        return Header(reader: reader, extents: extents)
    }

    /// Reads `count` data bytes, throwing when the file ends first; with `expectEnd`, also throws
    /// when bytes remain after them.
    static func readData(
        _ header: Header, count: Int, declared: String, expectEnd: Bool
    ) throws(SpectralConvError) -> [UInt8] {
        let path = header.reader.path
        let bytes = try header.reader.read(count: count)
        guard bytes.count == count else {
            throw .invalidFormat(path: path, reason: "data is truncated: the header declares \(declared) (\(count) bytes), but only \(bytes.count) bytes follow")
        }
        if expectEnd, try header.reader.hasMoreData() {
            throw .invalidFormat(path: path, reason: "unexpected bytes after the data: the header declares \(declared) (\(count) bytes); expected the file to end there")
        }
        return bytes
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    private static func describe(_ magic: UInt32) -> String {
        magic == imagesMagic ? "unsigned-byte images, 3 dimensions N×rows×columns" : "unsigned-byte labels, 1 dimension N"
    }

    /// What a wrong magic number looks like, when recognisable.
    private static func describeFound(_ found: UInt32) -> String {
        if found == imagesMagic { return " (an IDX images file)" }
        if found == labelsMagic { return " (an IDX labels file)" }
        if found >> 16 == 0x1F8B { return " (gzip data in a file not named .gz)" }
        if found >> 16 == 0 {
            let type = (found >> 8) & 0xFF
            let names: [UInt32: String] = [0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double"]
            if let name = names[type] { return " (IDX \(name) data, \(found & 0xFF) dimensions)" }
        }
        return " (not an IDX file)"
    }
}
