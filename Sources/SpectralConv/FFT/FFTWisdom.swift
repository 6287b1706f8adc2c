import CFFTW
import Foundation

/// FFTW's "wisdom" — the plans it has measured — saved to and loaded from a file, so that
/// ``FFTPlanRigor/measure`` planning is paid once per machine rather than once per process.
///
/// The file holds both precisions' wisdom in FFTW's own text format, each under a header line
/// (`[single]`, `[double]`). It is written atomically.
public enum FFTWisdom {
    private static let singleHeader = "[single]"
    private static let doubleHeader = "[double]"

    /// Writes the wisdom accumulated so far in this process (both precisions) to `path`.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when the file cannot be written.
    public static func save(to path: String) throws(SpectralConvError) {
        let (single, double) = try FFTPlanner.withLock { () throws(SpectralConvError) -> (String, String) in
            (takeString(fftwf_export_wisdom_to_string()), takeString(fftw_export_wisdom_to_string()))
        }
        let text = "\(singleHeader)\n\(single)\n\(doubleHeader)\n\(double)\n"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "cannot write FFTW wisdom: \(error.localizedDescription)")
        }
    }

    /// Adds the wisdom stored in `path` to this process' planner.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when the file cannot be read,
    ///   ``SpectralConvError/invalidFormat(path:reason:)`` when FFTW rejects its contents.
    public static func load(from path: String) throws(SpectralConvError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .io(path: path, reason: "cannot read FFTW wisdom: no such readable file")
        }
        guard let singleRange = text.range(of: singleHeader + "\n"), let doubleRange = text.range(of: doubleHeader + "\n"),
              singleRange.upperBound <= doubleRange.lowerBound else {
            throw .invalidFormat(path: path, reason: "not a SpectralConv wisdom file (expected [single] and [double] sections)")
        }
        let single = String(text[singleRange.upperBound..<doubleRange.lowerBound])
        let double = String(text[doubleRange.upperBound...])
        let accepted = try FFTPlanner.withLock { () throws(SpectralConvError) -> Bool in
            fftwf_import_wisdom_from_string(single) != 0 && fftw_import_wisdom_from_string(double) != 0
        }
        guard accepted else {
            throw .invalidFormat(path: path, reason: "FFTW rejected the wisdom (corrupt, or from another FFTW version)")
        }
    }

    /// Copies and frees a string FFTW allocated.
    private static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
