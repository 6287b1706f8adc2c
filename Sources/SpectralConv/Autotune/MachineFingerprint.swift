import CBLAS
import Foundation

/// What makes timings from one machine and build valid on another: the CPU model, the number of
/// cores, the build's vector flags, OpenBLAS' kernel choice and the autotune format. A cache file
/// whose fingerprint differs from the running process' is not trusted (``Autotuner``).
public struct MachineFingerprint: Codable, Sendable, Hashable, CustomStringConvertible {
    /// `model name` from `/proc/cpuinfo` (or `unknown`).
    public var cpuModel: String
    /// Active processor count.
    public var cores: Int
    /// The build: architecture, `fma` when built with `-DSPECTRALCONV_FMA` (the Makefile's
    /// `-target-cpu haswell` builds), `debug` or `release`.
    public var build: String
    /// `openblas_get_config()`: version, architecture options and the kernel core in use (which
    /// `OPENBLAS_CORETYPE` can change).
    public var blas: String
    /// ``Autotuner/formatVersion``: choices measured by an older tuner are re-measured.
    public var formatVersion: Int

    enum CodingKeys: String, CodingKey {
        case cpuModel = "cpu_model", cores, build, blas, formatVersion = "format_version"
    }

    public init(cpuModel: String, cores: Int, build: String, blas: String, formatVersion: Int = Autotuner.formatVersion) {
        self.cpuModel = cpuModel
        self.cores = cores
        self.build = build
        self.blas = blas
        self.formatVersion = formatVersion
    }

    /// This process' machine and build.
    public static let current = MachineFingerprint(
        cpuModel: readCPUModel() ?? "unknown",
        cores: ProcessInfo.processInfo.activeProcessorCount,
        build: buildFlags,
        blas: openblas_get_config().map { String(cString: $0) } ?? "unknown")

    public var description: String { "\(cpuModel), \(cores) cores, \(build), \(blas), format \(formatVersion)" }

    static var buildFlags: String {
        var flags: [String] = []
        #if arch(x86_64)
        flags.append("x86_64")
        #elseif arch(arm64)
        flags.append("arm64")
        #else
        flags.append("other-arch")
        #endif
        #if SPECTRALCONV_FMA
        flags.append("fma")
        #endif
        #if DEBUG
        flags.append("debug")
        #else
        flags.append("release")
        #endif
        return flags.joined(separator: " ")
    }

    static func readCPUModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
