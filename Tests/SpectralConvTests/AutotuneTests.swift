import Foundation
import SpectralConv
import Synchronization
import Testing

/// A timer that times nothing: each candidate "takes" the seconds of a table. It counts its
/// measurements, records their order and the `bestSoFar` it was given, and runs the candidate once
/// (so the engine's run closures are exercised too).
final class StubTimer: AutotuneTimer, @unchecked Sendable {
    let table: [ConvolutionAlgorithm: Double]
    private let lock = NSLock()
    private var log: [(candidate: ConvolutionAlgorithm, bestSoFar: Double?)] = []

    init(_ table: [ConvolutionAlgorithm: Double]) { self.table = table }

    var count: Int { lock.withLock { log.count } }
    var order: [ConvolutionAlgorithm] { lock.withLock { log.map(\.candidate) } }
    var bestSoFarSeen: [Double?] { lock.withLock { log.map(\.bestSoFar) } }

    func measure(
        _ candidate: ConvolutionAlgorithm, key: AutotuneKey, bestSoFar: Double?, run: () throws(SpectralConvError) -> Void
    ) throws(SpectralConvError) -> Double {
        try run()
        lock.withLock { log.append((candidate, bestSoFar)) }
        return table[candidate] ?? 1
    }
}

/// Collects warnings instead of printing them.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    var all: [String] { lock.withLock { messages } }
    func append(_ message: String) { lock.withLock { messages.append(message) } }
}

@Suite("Autotune")
struct AutotuneTests {
    static let geometry = try! ConvolutionGeometry(inputShape: [2, 3, 12, 12], weightShape: [4, 3, 3, 3], options: .init(padding: .same))

    static func key(_ pass: ConvolutionPass = .forward, batch: Int = 2, threads: Int = 1) -> AutotuneKey {
        let g = try! ConvolutionGeometry(inputShape: [batch, 3, 12, 12], weightShape: [4, 3, 3, 3], options: .init(padding: .same))
        return AutotuneKey(pass: pass, geometry: g, precision: .single, threads: threads, fftRigor: .estimate)
    }

    static func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("spectralconv-autotune-test-\(UInt64.random(in: 0...UInt64.max))", isDirectory: true)
            .appendingPathComponent("autotune.json")
    }

    static let equalPredictions: @Sendable (ConvolutionAlgorithm) -> Double = { _ in 1 }
    static let otherMachine = MachineFingerprint(cpuModel: "Some Other CPU", cores: 64, build: "x86_64 release", blas: "OpenBLAS 0.3.0 Other")

    // MARK: - Choice and cache

    @Test func picksTheFastestByMeasuredTime() throws {
        for (table, expected) in [([ConvolutionAlgorithm.direct: 3.0, .im2col: 2, .fft: 1], ConvolutionAlgorithm.fft),
                                  ([.direct: 0.5, .im2col: 2, .fft: 1], .direct),
                                  ([.direct: 3, .im2col: 0.2, .fft: 1], .im2col)] {
            let timer = StubTimer(table)
            let tuner = Autotuner(timer: timer)
            let choice = try tuner.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in }
            #expect(choice == expected)
            #expect(timer.count == 3)
            let record = try #require(tuner.record(for: Self.key()))
            #expect(record.choice == expected.rawValue && record.skipped.isEmpty)
            #expect(record.seconds == Dictionary(uniqueKeysWithValues: table.map { ($0.key.rawValue, $0.value) }))
        }
    }

    @Test func aTunedKeyIsNotTimedAgainButEveryOtherKeyIs() throws {
        let timer = StubTimer([.direct: 3, .im2col: 2, .fft: 1])
        let tuner = Autotuner(timer: timer)
        var runs = 0
        for _ in 0..<5 {
            #expect(try tuner.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in runs += 1 } == .fft)
        }
        #expect(timer.count == 3 && runs == 3 && tuner.tunedKeyCount == 1)
        // Batch, pass and threads are part of the key.
        _ = try tuner.choice(for: Self.key(batch: 3), predictedSeconds: Self.equalPredictions) { _ in }
        _ = try tuner.choice(for: Self.key(.backwardInput), predictedSeconds: Self.equalPredictions) { _ in }
        _ = try tuner.choice(for: Self.key(.backwardWeight), predictedSeconds: Self.equalPredictions) { _ in }
        _ = try tuner.choice(for: Self.key(threads: 2), predictedSeconds: Self.equalPredictions) { _ in }
        #expect(timer.count == 15 && tuner.tunedKeyCount == 5)
        #expect(tuner.cachedChoice(for: Self.key(batch: 4)) == nil)
    }

    @Test func candidatesPredictedTenTimesSlowerAreNotTimedAndTheRestRunLikelyWinnerFirst() throws {
        let timer = StubTimer([.direct: 0.001, .im2col: 2, .fft: 1])
        let tuner = Autotuner(timer: timer)
        let predictions: [ConvolutionAlgorithm: Double] = [.direct: 25, .im2col: 2, .fft: 1]
        // direct would be the fastest if timed, but the model says it is 25× slower: it is skipped.
        let choice = try tuner.choice(for: Self.key(), predictedSeconds: { predictions[$0]! }) { _ in }
        #expect(choice == .fft)
        #expect(timer.order == [.fft, .im2col])
        #expect(timer.bestSoFarSeen == [nil, 1])
        #expect(tuner.record(for: Self.key())?.skipped == ["direct"])
        // An infinite factor times everything.
        let everything = Autotuner(timer: StubTimer([.direct: 0.001, .im2col: 2, .fft: 1]), pruningFactor: .infinity)
        #expect(try everything.choice(for: Self.key(), predictedSeconds: { predictions[$0]! }) { _ in } == .direct)
        // A candidate predicted to be cheap is timed however much slower the model thinks it is.
        let small: [ConvolutionAlgorithm: Double] = [.direct: 0.009, .im2col: 0.0002, .fft: 0.0001]
        let cheap = StubTimer([.direct: 0.00005, .im2col: 0.001, .fft: 0.0002])
        #expect(try Autotuner(timer: cheap).choice(for: Self.key(), predictedSeconds: { small[$0]! }) { _ in } == .direct)
        #expect(cheap.order == [.fft, .im2col, .direct])
    }

    @Test func aCandidateThatFailsIsSkippedAndAllFailingThrows() throws {
        let tuner = Autotuner(timer: StubTimer([.direct: 3, .im2col: 2, .fft: 1]))
        let choice = try tuner.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { (path) throws(SpectralConvError) in
            if path == .fft { throw .backend("no plan") }
        }
        #expect(choice == .im2col)
        #expect(tuner.record(for: Self.key())?.skipped == ["fft"])
        #expect(throws: SpectralConvError.backend("no plan")) {
            _ = try tuner.choice(for: Self.key(batch: 5), predictedSeconds: Self.equalPredictions) { (_) throws(SpectralConvError) in
                throw .backend("no plan")
            }
        }
        #expect(tuner.cachedChoice(for: Self.key(batch: 5)) == nil)
    }

    @Test func concurrentFirstCallsTimeTheKeyOnce() throws {
        let timer = StubTimer([.direct: 3, .im2col: 2, .fft: 1])
        let tuner = Autotuner(timer: timer)
        let choices = Mutex<[ConvolutionAlgorithm]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let choice = try? tuner.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in
                Thread.sleep(forTimeInterval: 0.01)
            }
            choices.withLock { $0.append(choice ?? .auto) }
        }
        #expect(timer.count == 3)
        #expect(choices.withLock { $0 } == Array(repeating: .fft, count: 8))
    }

    // MARK: - The engine

    @Test func theEngineTimesOnceAndComputesWithTheChosenPath() throws {
        let timer = StubTimer([.direct: 3, .im2col: 2, .fft: 1])
        let engine = try ConvolutionEngine(threads: 2, autotuner: Autotuner(timer: timer, pruningFactor: .infinity))
        let x = Tensor<Float>.uniform(shape: Self.geometry.inputShape, seed: 1)
        let w = Tensor<Float>.uniform(shape: Self.geometry.weightShape, seed: 2)
        let b = Tensor<Float>.uniform(shape: [4], seed: 3)
        let dy = Tensor<Float>.uniform(shape: Self.geometry.outputShape, seed: 4)
        let y = try engine.forward(input: x, weight: w, bias: b, geometry: Self.geometry, algorithm: .autotune)
        #expect(timer.count == 3)
        for _ in 0..<3 { _ = try engine.forward(input: x, weight: w, bias: b, geometry: Self.geometry, algorithm: .autotune) }
        #expect(timer.count == 3, "later calls of a tuned shape time nothing")
        // Same path, same threads: the same numbers, bit for bit.
        #expect(y == (try engine.forward(input: x, weight: w, bias: b, geometry: Self.geometry, algorithm: .fft)))
        #expect(engine.resolve(.autotune, for: Self.geometry) == .fft)

        let dx = try engine.backwardInput(outputGradient: dy, weight: w, geometry: Self.geometry, algorithm: .autotune)
        let dw = try engine.backwardWeight(input: x, outputGradient: dy, geometry: Self.geometry, algorithm: .autotune)
        #expect(timer.count == 9)
        _ = try engine.backwardInput(outputGradient: dy, weight: w, geometry: Self.geometry, algorithm: .autotune)
        _ = try engine.backwardWeight(input: x, outputGradient: dy, geometry: Self.geometry, algorithm: .autotune)
        #expect(timer.count == 9)
        #expect(dx == (try engine.backwardInput(outputGradient: dy, weight: w, geometry: Self.geometry, algorithm: .fft)))
        #expect(dw == (try engine.backwardWeight(input: x, outputGradient: dy, geometry: Self.geometry, algorithm: .fft)))
        // Double is another key.
        _ = try engine.forward(input: x.converted(to: Double.self), weight: w.converted(to: Double.self), geometry: Self.geometry, algorithm: .autotune)
        #expect(timer.count == 12)
    }

    @Test func resolveTunesOnScratchTensorsAndTheFirstCallThenTimesNothing() throws {
        let timer = StubTimer([.direct: 1, .im2col: 2, .fft: 3])
        let engine = try ConvolutionEngine(threads: 1, autotuner: Autotuner(timer: timer, pruningFactor: .infinity))
        #expect(engine.resolve(.autotune, for: Self.geometry) == engine.resolve(.auto, for: Self.geometry), "untuned: the model's guess")
        #expect(try engine.resolve(.autotune, for: Self.geometry, pass: .backwardWeight, scalar: Float.self) == .direct)
        #expect(timer.count == 3)
        let x = Tensor<Float>.uniform(shape: Self.geometry.inputShape, seed: 1)
        let dy = Tensor<Float>.uniform(shape: Self.geometry.outputShape, seed: 4)
        _ = try engine.backwardWeight(input: x, outputGradient: dy, geometry: Self.geometry, algorithm: .autotune)
        #expect(timer.count == 3)
        #expect(engine.autotuner.cachedChoice(for: engine.autotuneKey(for: Self.geometry, pass: .backwardWeight)) == .direct)
    }

    /// The real timer on real paths: whatever it picks, the results are those of a concrete path.
    @Test func wallClockAutotuneAgreesWithTheConcretePaths() throws {
        let engine = try ConvolutionEngine(threads: 2, autotuner: Autotuner())
        let cases: [(input: [Int], weight: [Int], options: ConvolutionOptions)] = [
            ([4, 3, 20, 20], [5, 3, 3, 3], .init(padding: .same)),
            ([2, 4, 24, 24], [4, 2, 7, 7], .init(stride: 2, padding: .symmetric(2), groups: 2)),
            ([3, 2, 40], [3, 2, 9], .init(padding: .same, dilation: 2)),
        ]
        for (index, c) in cases.enumerated() {
            let g = try ConvolutionGeometry(inputShape: c.input, weightShape: c.weight, options: c.options)
            let x = Tensor<Float>.uniform(shape: g.inputShape, seed: UInt64(index))
            let w = Tensor<Float>.uniform(shape: g.weightShape, seed: UInt64(index) + 10)
            let dy = Tensor<Float>.uniform(shape: g.outputShape, seed: UInt64(index) + 20)
            let y = try engine.forward(input: x, weight: w, geometry: g, algorithm: .autotune)
            let dx = try engine.backwardInput(outputGradient: dy, weight: w, geometry: g, algorithm: .autotune)
            let dw = try engine.backwardWeight(input: x, outputGradient: dy, geometry: g, algorithm: .autotune)
            let chosen = ConvolutionPass.allCases.map { engine.autotuner.cachedChoice(for: engine.autotuneKey(for: g, pass: $0)) }
            #expect(chosen.allSatisfy { $0.map(ConvolutionAlgorithm.concrete.contains) == true }, "case \(index): \(chosen)")
            #expect(y == (try engine.forward(input: x, weight: w, geometry: g, algorithm: chosen[0]!)))
            #expect(dx == (try engine.backwardInput(outputGradient: dy, weight: w, geometry: g, algorithm: chosen[1]!)))
            #expect(dw == (try engine.backwardWeight(input: x, outputGradient: dy, geometry: g, algorithm: chosen[2]!)))
            let direct = try engine.forward(input: x, weight: w, geometry: g, algorithm: .direct)
            #expect(relativeError(y, reference: direct) <= 1e-5)
            let record = try #require(engine.autotuner.record(for: engine.autotuneKey(for: g)))
            #expect(record.seconds.values.allSatisfy { $0 > 0 && $0 < 10 } && !record.seconds.isEmpty)
        }
        #expect(engine.autotuner.tunedKeyCount == 9)
    }

    /// The default timer settles near ties (candidates within 25%) on up to 20 samples within 1 s.
    @Test func wallClockTimerSamplesCloseCallsFurther() {
        let timer = WallClockAutotuneTimer()
        #expect(timer.closeCallRatio == 1.25 && timer.closeCallRuns == 20 && timer.closeCallSeconds == 1)
        #expect(timer.maximumRuns == 9 && timer.maximumSeconds == 0.5)
    }

    @Test func transposedConvolutionTunesTheOperationItRuns() throws {
        let timer = StubTimer([.direct: 2, .im2col: 3, .fft: 1])
        let engine = try ConvolutionEngine(threads: 1, autotuner: Autotuner(timer: timer, pruningFactor: .infinity))
        let x = Tensor<Float>.uniform(shape: [2, 4, 6, 6], seed: 1)
        let w = Tensor<Float>.uniform(shape: [4, 3, 3, 3], seed: 2)
        let y = try engine.transposedForward(input: x, weight: w, options: .init(stride: 2), algorithm: .autotune)
        #expect(y == (try engine.transposedForward(input: x, weight: w, options: .init(stride: 2), algorithm: .fft)))
        let geometry = try TransposedConvolutionGeometry(inputShape: x.shape, weightShape: w.shape, options: .init(stride: 2), outputPadding: 0)
        #expect(engine.autotuner.cachedChoice(for: engine.autotuneKey(for: geometry.equivalentForward, pass: .backwardInput)) == .fft)
        #expect(timer.count == 3)
    }

    // MARK: - The file

    @Test func choicesArePersistedAndReloadedByAnotherProcess() throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let first = Autotuner(file: file, timer: StubTimer([.direct: 3, .im2col: 1, .fft: 2]))
        #expect(first.fileStatus == .missing)
        #expect(try first.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in } == .im2col)
        #expect(try first.choice(for: Self.key(.backwardWeight), predictedSeconds: Self.equalPredictions) { _ in } == .im2col)
        #expect(FileManager.default.fileExists(atPath: file.path))

        // A new autotuner (a later process) on the same file: known keys time nothing.
        let timer = StubTimer([.direct: 1, .im2col: 3, .fft: 2])
        let second = Autotuner(file: file, timer: timer)
        #expect(second.fileStatus == .loaded(entries: 2))
        #expect(try second.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in } == .im2col)
        #expect(timer.count == 0 && second.tunedKeyCount == 0)
        #expect(second.record(for: Self.key(.backwardWeight))?.seconds["direct"] == 3)
        // A new key is timed, and saved beside the old ones.
        #expect(try second.choice(for: Self.key(batch: 7), predictedSeconds: Self.equalPredictions) { _ in } == .direct)
        #expect(Autotuner(file: file).fileStatus == .loaded(entries: 3))

        // The file is JSON with the documented fields and the key text.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(json["format"] as? String == "spectralconv-autotune")
        let entries = try #require(json["entries"] as? [String: Any])
        #expect(entries.keys.contains(Self.key().description))
        #expect(Self.key().description.hasPrefix("forward float32 threads=1 rigor=estimate input=[2,3,12,12] weight=[4,3,3,3] stride=1x1 dilation=1x1 pad=1,1,1,1 groups=1"))
        let fingerprint = try #require(json["fingerprint"] as? [String: Any])
        #expect(fingerprint["cpu_model"] as? String == MachineFingerprint.current.cpuModel)
        #expect(fingerprint["cores"] as? Int == MachineFingerprint.current.cores)
    }

    @Test func twoAutotunersSavingToOneFileKeepEachOthersEntries() throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let a = Autotuner(file: file, timer: StubTimer([:]))
        let b = Autotuner(file: file, timer: StubTimer([:]))
        #expect(a.fileStatus == .missing && b.fileStatus == .missing)
        _ = try a.choice(for: Self.key(batch: 1), predictedSeconds: Self.equalPredictions) { _ in }
        _ = try b.choice(for: Self.key(batch: 2), predictedSeconds: Self.equalPredictions) { _ in }
        _ = try a.choice(for: Self.key(batch: 3), predictedSeconds: Self.equalPredictions) { _ in }
        #expect(Autotuner(file: file).fileStatus == .loaded(entries: 3))
    }

    @Test func aFileFromAnotherMachineIsIgnoredWithAWarningAndReplaced() throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let foreign = Autotuner(file: file, fingerprint: Self.otherMachine, timer: StubTimer([.direct: 1, .im2col: 2, .fft: 3]))
        _ = try foreign.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in }

        let warnings = WarningLog()
        let timer = StubTimer([.direct: 3, .im2col: 2, .fft: 1])
        let local = Autotuner(file: file, timer: timer, warning: { warnings.append($0) })
        #expect(local.cachedChoice(for: Self.key()) == nil, "another machine's choice is not trusted")
        #expect(local.fileStatus == .foreign(Self.otherMachine))
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains(file.path) == true && warnings.all.first?.contains("another machine") == true)
        #expect(try local.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in } == .fft)
        #expect(timer.count == 3)
        // The file now carries this machine's fingerprint and choice.
        let reloaded = Autotuner(file: file, timer: StubTimer([:]))
        #expect(reloaded.fileStatus == .loaded(entries: 1) && reloaded.cachedChoice(for: Self.key()) == .fft)
        // A different build is another fingerprint too.
        var otherBuild = MachineFingerprint.current
        otherBuild.build += " debug"
        #expect(Autotuner(file: file, fingerprint: otherBuild, warning: { _ in }).cachedChoice(for: Self.key()) == nil)
    }

    @Test(arguments: [
        ("not json at all", "not an autotune JSON file"),
        ("", "not an autotune JSON file"),
        (#"{"format": "something-else", "fingerprint": {"cpu_model": "x", "cores": 1, "build": "b", "blas": "c", "format_version": 1}, "entries": {}}"#, "format is 'something-else'"),
        (#"{"format": "spectralconv-autotune", "entries": {}}"#, "missing 'fingerprint'"),
        (#"{"format": "spectralconv-autotune", "fingerprint": {"cpu_model": "x", "cores": "two", "build": "b", "blas": "c", "format_version": 1}, "entries": {}}"#, "wrong type"),
    ])
    func aCorruptFileIsIgnoredWithAWarningAndRewritten(contents: String, reason: String) throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
        let warnings = WarningLog()
        let tuner = Autotuner(file: file, timer: StubTimer([.direct: 1, .im2col: 2, .fft: 3]), warning: { warnings.append($0) })
        guard case .corrupt(let message) = tuner.fileStatus else {
            Issue.record("expected a corrupt status, got \(tuner.fileStatus)")
            return
        }
        #expect(message.contains(reason), "\(message)")
        #expect(warnings.all.count == 1 && warnings.all[0].contains(file.path) && warnings.all[0].contains(reason) && !warnings.all[0].contains("\n"))
        #expect(try tuner.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in } == .direct)
        #expect(Autotuner(file: file).fileStatus == .loaded(entries: 1), "the corrupt file was replaced")
    }

    @Test func anEntryWhoseChoiceIsNotAPathMakesTheFileCorrupt() throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let writer = Autotuner(file: file, timer: StubTimer([:]))
        _ = try writer.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in }
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: #""choice" : "direct""#, with: #""choice" : "auto""#)
        try Data(text.utf8).write(to: file)
        let tuner = Autotuner(file: file, warning: { _ in })
        #expect(tuner.fileStatus == .corrupt("entry '\(Self.key())' chose 'auto', expected direct, im2col or fft"))
        #expect(tuner.cachedChoice(for: Self.key()) == nil)
    }

    @Test func aFileThatCannotBeWrittenWarnsOnceAndKeepsChoicesInMemory() throws {
        let blocker = Self.temporaryFile().deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: blocker) }
        // The cache "folder" is a regular file, so nothing can be created inside it.
        try Data("x".utf8).write(to: blocker)
        let warnings = WarningLog()
        let tuner = Autotuner(file: blocker.appendingPathComponent("autotune.json"), timer: StubTimer([.direct: 2, .im2col: 1, .fft: 3]),
                              warning: { warnings.append($0) })
        #expect(try tuner.choice(for: Self.key(), predictedSeconds: Self.equalPredictions) { _ in } == .im2col)
        #expect(try tuner.choice(for: Self.key(batch: 9), predictedSeconds: Self.equalPredictions) { _ in } == .im2col)
        #expect(tuner.cachedChoice(for: Self.key()) == .im2col)
        #expect(warnings.all.count == 1 && warnings.all[0].contains("kept in memory"))
    }

    @Test func fingerprintDescribesThisMachine() {
        let current = MachineFingerprint.current
        #expect(current.cores == ProcessInfo.processInfo.activeProcessorCount)
        #expect(!current.cpuModel.isEmpty && current.blas.contains("OpenBLAS"))
        #expect(current.build.contains("release") || current.build.contains("debug"))
        #expect(current.formatVersion == Autotuner.formatVersion)
    }

    @Test func parsing() throws {
        #expect(try ConvolutionAlgorithm(parsing: "AutoTune") == .autotune)
        #expect(try ConvolutionAlgorithm.parseList("fft,autotune") == [.fft, .autotune])
        #expect(!ConvolutionAlgorithm.concrete.contains(.autotune))
    }
}
