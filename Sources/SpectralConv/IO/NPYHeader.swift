/// The header of a NumPy `.npy` file: element type, memory order and shape.
///
/// File layout (NumPy's `format.py`, versions 1.0, 2.0 and 3.0):
///
///     "\x93NUMPY"  major  minor  header_len  header  data
///     6 bytes      1      1      u16 LE (1.0) / u32 LE (2.0, 3.0)
///
/// `header` is a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`,
/// padded with spaces and ended by `\n` so that the data starts at a multiple of 64 bytes; it is
/// latin-1 in 1.0/2.0 and UTF-8 in 3.0. The data is the elements in row-major (C) order when
/// `fortran_order` is False.
struct NPYHeader: Equatable, Sendable {
    /// The `descr` string, e.g. `<f4`.
    var descr: String
    /// Whether the data is in column-major order.
    var fortranOrder: Bool
    /// The array's extents (empty for a 0-d array).
    var shape: [Int]

    /// The six magic bytes that open every `.npy` file.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Where a file's header lies: the dict text and the offset of the first data byte.
    struct Location {
        var version: (major: UInt8, minor: UInt8)
        var text: String
        var dataOffset: Int
    }

    /// Finds and decodes the header text of `bytes`.
    /// - Throws: ``SpectralConvError/invalidFormat(path:reason:)`` for bad magic, an unknown
    ///   version, or a header that runs past the end of the file or is not valid text.
    static func locate(in bytes: UnsafeRawBufferPointer, path: String) throws(SpectralConvError) -> Location {
        guard bytes.count >= 10 else {
            throw .invalidFormat(path: path, reason: "file is \(bytes.count) bytes long, too short for a .npy header (at least 10 bytes)")
        }
        guard Array(bytes[0..<6]) == magic else {
            throw .invalidFormat(path: path, reason: "not a .npy file: it does not start with the magic bytes \\x93NUMPY")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                throw .invalidFormat(path: path, reason: "file is \(bytes.count) bytes long, too short for a version \(major).\(minor) .npy header (at least 12 bytes)")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .invalidFormat(path: path, reason: "unsupported .npy format version \(major).\(minor); expected 1.0, 2.0 or 3.0")
        }
        let dataOffset = headerStart + headerLength
        guard dataOffset <= bytes.count else {
            throw .invalidFormat(path: path, reason: "truncated header: it declares \(headerLength) bytes but the file has only \(bytes.count - headerStart) after the length field")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart..<dataOffset])
        let text: String
        if major == 3 {
            guard let decoded = String(validating: headerBytes, as: UTF8.self) else {
                throw .invalidFormat(path: path, reason: "corrupt header: not valid UTF-8")
            }
            text = decoded
        } else {
            // latin-1: every byte is the code point of the same value.
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
        }
        return Location(version: (major, minor), text: text, dataOffset: dataOffset)
    }

    /// Parses the dict literal of a header.
    /// - Throws: ``SpectralConvError/invalidFormat(path:reason:)`` when the text is not a dict with
    ///   exactly the keys `descr` (a string), `fortran_order` (a bool) and `shape` (a tuple of
    ///   non-negative integers).
    init(parsing text: String, path: String) throws(SpectralConvError) {
        var parser = PythonLiteralParser(text: text)
        let value: PythonLiteralParser.Value
        do throws(PythonLiteralParser.Failure) {
            value = try parser.parseValue()
            parser.skipWhitespace()
            guard parser.isAtEnd else { throw PythonLiteralParser.Failure("unexpected text after the dict") }
        } catch {
            throw .invalidFormat(path: path, reason: "corrupt header: \(error.message); expected a dict like {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")
        }
        guard case .dict(let entries) = value else {
            throw .invalidFormat(path: path, reason: "corrupt header: not a dict; expected {'descr': ..., 'fortran_order': ..., 'shape': ...}")
        }
        let keys = Set(entries.map(\.key))
        guard keys == ["descr", "fortran_order", "shape"], entries.count == 3 else {
            throw .invalidFormat(path: path, reason: "corrupt header: keys \(entries.map(\.key).sorted()); expected exactly 'descr', 'fortran_order' and 'shape'")
        }
        let lookup = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        switch lookup["descr"]! {
        case .string(let descr): self.descr = descr
        case .list:
            throw .invalidFormat(path: path, reason: "unsupported dtype: a structured (record) array; expected \(NPYDataType.supportedList)")
        default:
            throw .invalidFormat(path: path, reason: "corrupt header: 'descr' is not a string")
        }
        guard case .bool(let fortran) = lookup["fortran_order"]! else {
            throw .invalidFormat(path: path, reason: "corrupt header: 'fortran_order' is not True or False")
        }
        self.fortranOrder = fortran
        guard case .tuple(let items) = lookup["shape"]! else {
            throw .invalidFormat(path: path, reason: "corrupt header: 'shape' is not a tuple")
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let extent) = item, extent >= 0 else {
                throw .invalidFormat(path: path, reason: "corrupt header: 'shape' must hold non-negative integers")
            }
            shape.append(extent)
        }
        self.shape = shape
    }

    init(descr: String, fortranOrder: Bool = false, shape: [Int]) {
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    /// The dict literal exactly as NumPy writes it, e.g.
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` (a 1-tuple is `(5,)`).
    var dictText: String {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
    }

    /// The bytes of a complete header (magic through the newline), in format 1.0 when the header
    /// fits its 16-bit length and 2.0 otherwise, padded with spaces so that the data starts at a
    /// multiple of 64 bytes.
    func encoded() -> [UInt8] {
        let text = Array(dictText.utf8)
        func paddedTotal(prefix: Int) -> Int { (prefix + text.count + 1 + 63) / 64 * 64 }
        let version1 = paddedTotal(prefix: 10) - 10 <= Int(UInt16.max)
        let prefix = version1 ? 10 : 12
        let unpadded = prefix + text.count + 1
        let total = paddedTotal(prefix: prefix)
        let headerLength = total - prefix
        var bytes = Self.magic
        bytes += version1 ? [1, 0] : [2, 0]
        bytes += [UInt8(headerLength & 0xFF), UInt8((headerLength >> 8) & 0xFF)]
        if !version1 { bytes += [UInt8((headerLength >> 16) & 0xFF), UInt8((headerLength >> 24) & 0xFF)] }
        bytes += text
        bytes += [UInt8](repeating: 0x20, count: total - unpadded)
        bytes.append(0x0A)
        return bytes
    }
}

/// A parser for the small subset of Python literals a `.npy` header uses: dicts, tuples, lists,
/// strings in single or double quotes, integers (with an optional legacy `L` suffix), True, False
/// and None.
struct PythonLiteralParser {
    indirect enum Value: Equatable {
        case dict([(key: String, value: Value)])
        case tuple([Value])
        case list([Value])
        case string(String)
        case integer(Int)
        case bool(Bool)
        case none

        static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.dict(let a), .dict(let b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)): return a == b
            case (.string(let a), .string(let b)): return a == b
            case (.integer(let a), .integer(let b)): return a == b
            case (.bool(let a), .bool(let b)): return a == b
            case (.none, .none): return true
            default: return false
            }
        }
    }

    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(text: String) { scalars = Array(text.unicodeScalars) }

    var isAtEnd: Bool { index >= scalars.count }

    mutating func skipWhitespace() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(Failure) {
        skipWhitespace()
        guard index < scalars.count, scalars[index] == character else {
            throw Failure(isAtEnd ? "ends early, expected '\(character)'" : "unexpected '\(scalars[index])' at offset \(index), expected '\(character)'")
        }
        index += 1
    }

    private mutating func peek() -> Unicode.Scalar? {
        skipWhitespace()
        return index < scalars.count ? scalars[index] : nil
    }

    mutating func parseValue() throws(Failure) -> Value {
        guard let first = peek() else { throw Failure("ends early, expected a value") }
        switch first {
        case "{": return try parseDict()
        case "(":
            let (items, sawComma) = try parseSequence(open: "(", close: ")")
            // `(x)` without a comma is a parenthesised value, not a tuple.
            if items.count == 1 && !sawComma { return items[0] }
            return .tuple(items)
        case "[": return .list(try parseSequence(open: "[", close: "]").items)
        case "'", "\"": return .string(try parseString())
        default:
            if first == "-" || first.properties.numericType != nil { return .integer(try parseInteger()) }
            let word = parseWord()
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            case "": throw Failure("unexpected '\(first)' at offset \(index)")
            default: throw Failure("unexpected word '\(word)'")
            }
        }
    }

    private mutating func parseDict() throws(Failure) -> Value {
        try expect("{")
        var entries: [(key: String, value: Value)] = []
        while true {
            guard let next = peek() else { throw Failure("ends early, expected '}'") }
            if next == "}" { index += 1; break }
            guard case .string(let key) = try parseValue() else { throw Failure("a dict key is not a string") }
            try expect(":")
            let value = try parseValue()
            guard !entries.contains(where: { $0.key == key }) else { throw Failure("key '\(key)' appears twice") }
            entries.append((key, value))
            guard let separator = peek() else { throw Failure("ends early, expected '}'") }
            if separator == "," { index += 1; continue }
            try expect("}")
            break
        }
        return .dict(entries)
    }

    private mutating func parseSequence(open: Unicode.Scalar, close: Unicode.Scalar) throws(Failure) -> (items: [Value], sawComma: Bool) {
        try expect(open)
        var items: [Value] = []
        var sawComma = false
        while true {
            guard let next = peek() else { throw Failure("ends early, expected '\(close)'") }
            if next == close { index += 1; break }
            items.append(try parseValue())
            guard let separator = peek() else { throw Failure("ends early, expected '\(close)'") }
            if separator == "," { index += 1; sawComma = true; continue }
            try expect(close)
            break
        }
        return (items, sawComma)
    }

    private mutating func parseString() throws(Failure) -> String {
        let quote = scalars[index]
        index += 1
        var result = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == quote { return String(result) }
            if scalar == "\\" {
                guard index < scalars.count else { break }
                result.append(scalars[index])
                index += 1
            } else {
                result.append(scalar)
            }
        }
        throw Failure("a string is not closed")
    }

    private mutating func parseInteger() throws(Failure) -> Int {
        let start = index
        if scalars[index] == "-" { index += 1 }
        while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        if index < scalars.count, scalars[index] == "L" || scalars[index] == "l" { index += 1 }
        guard let value = Int(text) else { throw Failure("'\(text)' is not an integer that fits 64 bits") }
        return value
    }

    private mutating func parseWord() -> String {
        let start = index
        while index < scalars.count, scalars[index].properties.isAlphabetic || scalars[index] == "_" { index += 1 }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }
}
