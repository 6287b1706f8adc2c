import Foundation

/// The JSON conventions of every report the toolkit writes (benchmarks, sweeps, spectra): keys
/// sorted, compact unless pretty-printed, and non-finite numbers as the strings `"inf"`, `"-inf"`
/// and `"nan"` (JSON has no literal for them; Python's `float("inf")` reads them back).
public enum ReportJSON {
    /// `value` as one JSON object; `what` names it in the error (`the sweep report`).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when encoding fails.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false, what: String) throws(SpectralConvError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw .invalidArgument("cannot encode \(what) as JSON: \(error)")
        }
    }

    /// A decoder that reads what ``encode(_:pretty:what:)`` writes.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
