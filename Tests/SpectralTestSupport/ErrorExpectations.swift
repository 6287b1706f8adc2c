import SpectralConv
import Testing

// Shared by the test targets (SpectralConvTests, SpectralNNTests): one definition of how a test
// expects a typed error.

/// The case of ``SpectralConvError`` a test expects, without its message.
public enum SpectralConvErrorKind: String, Sendable {
    case invalidShape, invalidArgument

    public func matches(_ error: SpectralConvError) -> String? {
        switch (self, error) {
        case (.invalidShape, .invalidShape(let message)), (.invalidArgument, .invalidArgument(let message)):
            return message
        default:
            return nil
        }
    }
}

/// Expects `body` to throw a ``SpectralConvError`` of case `kind` whose message mentions every one of
/// `words` (case-insensitively) and whose `description` is a single line.
public func expectError(
    _ kind: SpectralConvErrorKind, mentioning words: String...,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    let error = #expect(throws: SpectralConvError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    guard let message = kind.matches(error) else {
        Issue.record("expected a .\(kind.rawValue) error, got \(error)", sourceLocation: sourceLocation)
        return
    }
    for word in words {
        #expect(message.lowercased().contains(word.lowercased()), "message '\(message)' does not mention '\(word)'",
                sourceLocation: sourceLocation)
    }
    #expect(!error.description.contains("\n"), "error description is not one line: \(error.description)",
            sourceLocation: sourceLocation)
}
