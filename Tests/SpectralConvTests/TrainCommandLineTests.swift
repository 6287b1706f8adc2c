import Foundation
import Testing

/// `spectralconv train` options checked before any data is read (the executable beside the tests,
/// run through ``AutotuneCommandLineTests/run(_:cache:)``).
@Suite("train on the command line", .enabled(if: spectralconvExecutable != nil, "the spectralconv executable is built beside the tests"))
struct TrainCommandLineTests {
    @Test func anUnknownParallelismIsOneLineAndWritesNothing() throws {
        let folder = try AutotuneCommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let result = try AutotuneCommandLineTests.run(["train", "--parallelism", "threads", "--out", run.path, "--limit", "100", "--epochs", "1"],
                                                      cache: folder)
        #expect(result.status != 0)
        #expect(result.error.contains("unknown parallelism 'threads'; expected batch or layers"), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: run.path))
    }
}
