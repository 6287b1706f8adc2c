import Foundation

/// The per-machine folder where SpectralConv keeps what it learns about this machine and reuses
/// across processes: FFTW's wisdom, the calibrated cost model, the autotuner's choices.
///
/// Resolved, first match wins:
/// 1. `$SPECTRALCONV_CACHE_DIR`;
/// 2. `$XDG_CACHE_HOME/spectralconv`;
/// 3. `$HOME/.cache/spectralconv`;
/// 4. `<temporary directory>/spectralconv-cache` when there is no home.
///
/// Nothing is created until a file is written (``ensureExists()``); readers treat a missing file as
/// "nothing learned yet".
public struct CacheDirectory: Sendable, Hashable {
    /// The folder.
    public let url: URL

    /// A cache folder at an explicit location.
    public init(url: URL) {
        self.url = url
    }

    /// The folder chosen by the environment (see the type's documentation).
    public static func `default`(environment: [String: String] = ProcessInfo.processInfo.environment) -> CacheDirectory {
        if let explicit = environment["SPECTRALCONV_CACHE_DIR"], !explicit.isEmpty {
            return CacheDirectory(url: URL(fileURLWithPath: explicit, isDirectory: true))
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return CacheDirectory(url: URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("spectralconv", isDirectory: true))
        }
        if let home = environment["HOME"], !home.isEmpty {
            return CacheDirectory(url: URL(fileURLWithPath: home, isDirectory: true)
                .appendingPathComponent(".cache", isDirectory: true)
                .appendingPathComponent("spectralconv", isDirectory: true))
        }
        return CacheDirectory(url: FileManager.default.temporaryDirectory.appendingPathComponent("spectralconv-cache", isDirectory: true))
    }

    /// FFTW wisdom (``FFTWisdom`` format).
    public var wisdomFile: URL { url.appendingPathComponent("fftw-wisdom.txt") }
    /// The calibrated ``ConvolutionCostModel`` written by `spectralconv bench sweep --calibrate`.
    public var calibrationFile: URL { url.appendingPathComponent("calibration.json") }
    /// The autotuner's measured choices per layer shape.
    public var autotuneFile: URL { url.appendingPathComponent("autotune.json") }

    /// Creates the folder (and its parents) if needed.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when it cannot be created.
    public func ensureExists() throws(SpectralConvError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io(path: url.path, reason: "cannot create the cache folder: \(error.localizedDescription)")
        }
    }
}
