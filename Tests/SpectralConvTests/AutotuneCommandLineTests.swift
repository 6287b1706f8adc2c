import Foundation
import SpectralConv
import Testing

/// `--algorithm autotune` through the `spectralconv` executable (built beside the test bundle by
/// `swift test`), with its cache folder in a temporary directory.
/// `swift test` builds every product, so the executable is there.
let spectralconvExecutable: URL? = {
    let candidate = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("spectralconv")
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
}()

@Suite("Autotune on the command line", .enabled(if: spectralconvExecutable != nil, "the spectralconv executable is built beside the tests"))
struct AutotuneCommandLineTests {
    static var executable: URL? { spectralconvExecutable }

    /// Runs the executable; returns its exit status, standard output and standard error.
    static func run(_ arguments: [String], cache: URL) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SPECTRALCONV_CACHE_DIR"] = cache.path
        process.environment = environment
        let (output, error) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spectralconv-autotune-cli-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func convWithAutotuneGivesTheConcretePathsResultAndCachesTheChoice() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = folder.appendingPathComponent("cache")
        let x = Tensor<Float>.uniform(shape: [2, 3, 20, 20], seed: 5)
        let w = Tensor<Float>.uniform(shape: [4, 3, 5, 5], seed: 6)
        let b = Tensor<Float>.uniform(shape: [4], seed: 7)
        for (tensor, name) in [(x, "x"), (w, "w"), (b, "b")] { try NPY.write(tensor, to: folder.appendingPathComponent("\(name).npy").path) }
        let arguments = ["conv", "--input", folder.appendingPathComponent("x.npy").path, "--weight", folder.appendingPathComponent("w.npy").path,
                         "--bias", folder.appendingPathComponent("b.npy").path, "--padding", "same", "--threads", "1", "--algorithm", "autotune"]

        let first = try Self.run(arguments + ["--output", folder.appendingPathComponent("y1.npy").path], cache: cache)
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("autotune→") && first.output.contains("tuned in"), "\(first.output)")
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent("autotune.json").path))
        let second = try Self.run(arguments + ["--output", folder.appendingPathComponent("y2.npy").path], cache: cache)
        #expect(second.status == 0 && second.output.contains("(cached)"), "\(second.output) \(second.error)")

        guard case .float32(let y1) = try NPY.read(contentsOf: folder.appendingPathComponent("y1.npy").path),
              case .float32(let y2) = try NPY.read(contentsOf: folder.appendingPathComponent("y2.npy").path) else {
            Issue.record("conv wrote another dtype")
            return
        }
        #expect(y1 == y2)
        let engine = try ConvolutionEngine(threads: 1, autotuner: Autotuner())
        for path in ConvolutionAlgorithm.concrete {
            let y = try engine.forward(input: x, weight: w, bias: b, options: .init(padding: .same), algorithm: path)
            #expect(relativeError(y1, reference: y) <= 1e-5, "autotune vs \(path)")
        }
        let chosen = try #require(first.output.split(separator: "→").dropFirst().first?.split(separator: " ").first)
        let y = try engine.forward(input: x, weight: w, bias: b, options: .init(padding: .same), algorithm: try ConvolutionAlgorithm(parsing: String(chosen)))
        #expect(y1 == y, "the chosen path computes the answer")
    }

    @Test func benchLayerReportsWhatAutotuneChose() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.run(["bench", "layer", "--batch", "2", "--in-channels", "3", "--out-channels", "4", "--size", "16", "--kernel", "3",
                                   "--algorithms", "direct,autotune", "--repeats", "2", "--threads", "1", "--backward", "--json"], cache: folder)
        #expect(result.status == 0, "\(result.error)")
        let report = try JSONDecoder().decode(LayerBenchmarkReport.self, from: Data(result.output.utf8))
        let autotune = try #require(report.results.first { $0.algorithm == "autotune" })
        for choice in [autotune.chose, autotune.choseBackwardInput, autotune.choseBackwardWeight] {
            #expect(choice.map { ["direct", "im2col", "fft"].contains($0) } == true, "\(String(describing: choice))")
        }
        #expect(autotune.maxAbsDiffVsDirect <= 1e-5 && (autotune.backwardInputMaxAbsDiff ?? 1) <= 1e-5)
    }

    @Test func anUnknownAlgorithmNamesAutotuneAmongTheChoices() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.run(["bench", "layer", "--batch", "1", "--in-channels", "1", "--out-channels", "1", "--size", "8", "--kernel", "3",
                                   "--algorithms", "winograd"], cache: folder)
        #expect(result.status != 0)
        #expect(result.error.contains("autotune") && result.error.split(separator: "\n").count == 1, "\(result.error)")
    }
}
