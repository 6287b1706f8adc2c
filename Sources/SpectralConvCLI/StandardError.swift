import Foundation

/// Where the commands report failures: one line on stderr, then exit.
enum StandardError {
    /// Writes `error: <message>` (newlines folded into "; ") to stderr and exits with `code`.
    static func fail(_ message: String, code: Int32 = 1) -> Never {
        let oneLine = message
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
        FileHandle.standardError.write(Data("error: \(oneLine)\n".utf8))
        exit(code == 0 ? 1 : code)
    }
}
