import Foundation

/// The autotuner's cache file (``CacheDirectory/autotuneFile``, beside FFTW's wisdom): JSON,
///
/// ```json
/// {
///   "format": "spectralconv-autotune",
///   "fingerprint": {"cpu_model": "…", "cores": 2, "build": "x86_64 fma release", "blas": "OpenBLAS 0.3.21 …", "format_version": 1},
///   "entries": {
///     "forward float32 threads=2 rigor=estimate input=[8,32,64,64] weight=[32,32,7,7] stride=1x1 dilation=1x1 pad=3,3,3,3 groups=1":
///       {"choice": "fft", "seconds": {"fft": 0.0061, "im2col": 0.0148, "direct": 0.0163}, "skipped": []}
///   }
/// }
/// ```
///
/// Keys are ``AutotuneKey/description``. Written atomically (temporary file + rename).
struct AutotuneFile: Codable, Sendable {
    static let formatName = "spectralconv-autotune"

    var format: String
    var fingerprint: MachineFingerprint
    var entries: [String: AutotuneRecord]

    init(fingerprint: MachineFingerprint, entries: [String: AutotuneRecord]) {
        self.format = Self.formatName
        self.fingerprint = fingerprint
        self.entries = entries
    }

    /// What reading a file gave.
    enum Contents {
        case missing
        case valid(AutotuneFile)
        case corrupt(reason: String)
    }

    /// Reads and checks `url` (format name, every choice a concrete path).
    static func read(_ url: URL) -> Contents {
        guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            return .corrupt(reason: "cannot read it: \(error.localizedDescription)")
        }
        let file: AutotuneFile
        do {
            file = try JSONDecoder().decode(AutotuneFile.self, from: data)
        } catch {
            return .corrupt(reason: "not an autotune JSON file (\(Self.describe(error)))")
        }
        guard file.format == formatName else {
            return .corrupt(reason: "format is '\(file.format)', expected '\(formatName)'")
        }
        for (key, record) in file.entries where record.algorithm == nil {
            return .corrupt(reason: "entry '\(key)' chose '\(record.choice)', expected direct, im2col or fft")
        }
        return .valid(file)
    }

    /// Writes the file atomically, creating its folder if needed.
    func write(to url: URL) throws(SpectralConvError) {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw .io(path: url.path, reason: "cannot write the autotune cache: \(error.localizedDescription)")
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.keyNotFound(let key, _): return "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context): return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.valueNotFound(_, let context): return "missing value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "\(error)"
        }
    }
}
