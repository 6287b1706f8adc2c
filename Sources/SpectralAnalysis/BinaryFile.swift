import Foundation
import SpectralConv

/// Whole-file reads and atomic writes with ``SpectralConvError``s (PNG, safetensors).
enum BinaryFile {
    /// The bytes of the regular file at `path`.
    static func read(_ path: String) throws(SpectralConvError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .io(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .io(path: path, reason: "is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, reason: "cannot open for reading (permissions?)")
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to `path` atomically (a temporary file in the same directory, then a rename),
    /// so a reader never sees a partial file.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(SpectralConvError) {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
