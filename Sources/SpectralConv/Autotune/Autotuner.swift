import Foundation

/// ``ConvolutionAlgorithm/autotune``: measures the concrete paths once per distinct
/// ``AutotuneKey`` — layer shape (batch included), precision, threads, FFT rigor and operation
/// (forward, input gradient, weight gradient) — and remembers the fastest, like cuDNN's benchmark
/// mode (`torch.backends.cudnn.benchmark = True`).
///
/// **Semantics.** The first call of a key times the candidates on that call's own tensors (their
/// results are discarded) and then computes the answer through the chosen path, so results are
/// exactly those of that concrete path. Later calls of the key look the choice up — one hash of
/// the key under a lock — and time nothing. Choices are kept in memory (thread-safe; tuning itself
/// is serialised per autotuner, so two threads never time at once and a key is timed once) and, when
/// ``file`` is set, in a JSON cache file that later processes load (``CacheDirectory/autotuneFile``
/// for ``shared``, beside FFTW's wisdom; format in `AutotuneFile.swift`).
///
/// **Cost.** Per new key, for every candidate that is timed: one untimed warm-up call plus a few
/// timed samples, the candidates interleaved in rounds as `bench sweep` times paths
/// (``WallClockAutotuneTimer``: samples of ≥ 6 ms of calls, at least 5 per candidate and 30 ms, at
/// most 9 or 0.5 s of further rounds, the median; a candidate whose fastest sample is 1.5× slower
/// than the best median drops out; candidates within 25% of the best take up to 20 samples or 1 s
/// more, a close call). A
/// candidate that ``ConvolutionCostModel`` predicts to be more than ``pruningFactor`` (10) times
/// slower than the best prediction, and to take more than ``pruningMinimumSeconds`` (10 ms), is not
/// timed at all, so a hopeless path (a 31×31 direct convolution of a large image) does not cost
/// seconds; such candidates are listed in the record's `skipped`. The pruning trusts the model only
/// to a factor of 10, and not at all where timing is cheap anyway (the uncalibrated model misjudges
/// small layers by several times). Candidates run in order of their
/// predicted time. A candidate that throws while being timed is skipped; if all throw, the first
/// error is thrown.
///
/// **The cache file** is trusted only when its ``MachineFingerprint`` (CPU model, cores, build flags,
/// OpenBLAS configuration, format version) equals this process'. A file from another machine or
/// build, or a corrupt one (unreadable, not JSON, wrong format, a choice that is not a path), is
/// **ignored with a warning** on standard error — a cache must never stop a convolution — its
/// shapes are re-tuned and the next save replaces it. Saving merges the entries another process may
/// have written meanwhile (same fingerprint), then writes atomically (temporary file + rename); a
/// failure to write is one warning, and the choices stay in memory.
public final class Autotuner: @unchecked Sendable {
    /// Bumped when timing or the file format change so that old choices are measured again.
    public static let formatVersion = 3

    /// The autotuner engines use unless given another: cache file `CacheDirectory.default().autotuneFile`
    /// (`$SPECTRALCONV_CACHE_DIR/autotune.json`, else `~/.cache/spectralconv/autotune.json`), read at
    /// its first use.
    public static let shared = Autotuner(file: CacheDirectory.default().autotuneFile)

    /// What became of the cache file.
    public enum FileStatus: Sendable, Equatable {
        /// Not looked at yet: it is read at the first look-up.
        case notRead
        /// No file: choices live in memory only.
        case memoryOnly
        /// The file does not exist (yet).
        case missing
        /// Loaded, with this many entries.
        case loaded(entries: Int)
        /// Ignored: written on another machine or build.
        case foreign(MachineFingerprint)
        /// Ignored: unreadable or malformed (the reason).
        case corrupt(String)
    }

    /// The JSON cache file, or nil for memory only.
    public let file: URL?
    /// The machine and build choices are valid for.
    public let fingerprint: MachineFingerprint
    /// How candidates are measured.
    public let timer: any AutotuneTimer
    /// Candidates predicted slower than this factor × the best prediction (and slower than
    /// ``pruningMinimumSeconds``) are not timed (`.infinity` times every candidate).
    public let pruningFactor: Double
    /// Candidates predicted to take less than this are always timed, whatever ``pruningFactor`` says.
    public let pruningMinimumSeconds: Double
    private let warn: @Sendable (String) -> Void

    /// Guards the fields below.
    private let stateLock = NSLock()
    /// Held while a key is being timed: one tuning at a time.
    private let tuningLock = NSLock()
    private var memory: [AutotuneKey: AutotuneRecord] = [:]
    /// The hot path: the chosen path per key, no record to unpack.
    private var choices: [AutotuneKey: ConvolutionAlgorithm] = [:]
    /// Entries as they go to the file (loaded ones included), by ``AutotuneKey/description``.
    private var persisted: [String: AutotuneRecord] = [:]
    private var status: FileStatus
    private var tunedKeys = 0
    private var warnedAboutSaving = false

    /// - Parameters:
    ///   - file: the cache file, nil for memory only.
    ///   - fingerprint: this machine and build (tests pass another to simulate a foreign file).
    ///   - timer: how candidates are measured (tests inject stubbed timings).
    ///   - pruningFactor: see ``pruningFactor``.
    ///   - pruningMinimumSeconds: see ``pruningMinimumSeconds``.
    ///   - warning: receives the one-line warnings about the file (default: standard error).
    public init(
        file: URL? = nil, fingerprint: MachineFingerprint = .current, timer: any AutotuneTimer = WallClockAutotuneTimer(),
        pruningFactor: Double = 10, pruningMinimumSeconds: Double = 0.01,
        warning: @escaping @Sendable (String) -> Void = Autotuner.printWarning
    ) {
        self.file = file
        self.fingerprint = fingerprint
        self.timer = timer
        self.pruningFactor = pruningFactor
        self.pruningMinimumSeconds = pruningMinimumSeconds
        self.warn = warning
        self.status = file == nil ? .memoryOnly : .notRead
    }

    /// Writes `warning: <message>` to standard error.
    public static func printWarning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// The state of the cache file (reading it if that has not happened yet).
    public var fileStatus: FileStatus {
        stateLock.lock()
        defer { stateLock.unlock() }
        loadIfNeeded()
        return status
    }

    /// How many keys this autotuner has timed (not counting choices loaded from the file).
    public var tunedKeyCount: Int {
        stateLock.lock()
        defer { stateLock.unlock() }
        return tunedKeys
    }

    /// The path chosen for `key`, if it was tuned (in this process or a loaded file); times nothing.
    public func cachedChoice(for key: AutotuneKey) -> ConvolutionAlgorithm? {
        stateLock.lock()
        defer { stateLock.unlock() }
        if let choice = choices[key] { return choice }
        return lookUp(key)?.algorithm
    }

    /// What was measured for `key`, if it was tuned; times nothing.
    public func record(for key: AutotuneKey) -> AutotuneRecord? {
        stateLock.lock()
        defer { stateLock.unlock() }
        return lookUp(key)
    }

    /// The fastest of `candidates` for `key`: the cached choice, or — the first time — each candidate
    /// timed through `run` (which computes the operation once through the given path).
    ///
    /// - Parameters:
    ///   - candidates: concrete paths to choose from (all three by default).
    ///   - predictedSeconds: the cost model's prediction per candidate, for ordering and pruning.
    ///   - run: computes `key`'s operation through a concrete path, discarding the result.
    /// - Throws: the first candidate's error when every candidate failed to run.
    public func choice(
        for key: AutotuneKey, candidates: [ConvolutionAlgorithm] = ConvolutionAlgorithm.concrete,
        predictedSeconds: (ConvolutionAlgorithm) -> Double,
        run: (ConvolutionAlgorithm) throws(SpectralConvError) -> Void
    ) throws(SpectralConvError) -> ConvolutionAlgorithm {
        if let known = cachedChoice(for: key) { return known }
        tuningLock.lock()
        defer { tuningLock.unlock() }
        // Another thread may have tuned the key while this one waited.
        if let known = cachedChoice(for: key) { return known }
        let record = try tune(key, candidates: candidates, predictedSeconds: predictedSeconds, run: run)
        stateLock.lock()
        memory[key] = record
        choices[key] = record.algorithm
        persisted[key.description] = record
        tunedKeys += 1
        stateLock.unlock()
        save()
        return record.algorithm!
    }

    // MARK: - Tuning

    private func tune(
        _ key: AutotuneKey, candidates: [ConvolutionAlgorithm], predictedSeconds: (ConvolutionAlgorithm) -> Double,
        run: (ConvolutionAlgorithm) throws(SpectralConvError) -> Void
    ) throws(SpectralConvError) -> AutotuneRecord {
        let concrete = candidates.filter { ConvolutionAlgorithm.concrete.contains($0) }
        guard !concrete.isEmpty else {
            throw .invalidArgument("autotune needs at least one of direct, im2col, fft as a candidate, got \(candidates)")
        }
        let predictions = concrete.map { (algorithm: $0, seconds: predictedSeconds($0)) }
        let bestPrediction = predictions.map(\.seconds).filter { $0.isFinite && $0 >= 0 }.min()
        var skipped: [ConvolutionAlgorithm] = []
        var timed: [(algorithm: ConvolutionAlgorithm, seconds: Double)] = []
        for prediction in predictions {
            if let bestPrediction, pruningFactor.isFinite, prediction.seconds > pruningFactor * bestPrediction,
               prediction.seconds > pruningMinimumSeconds {
                skipped.append(prediction.algorithm)
            } else {
                timed.append(prediction)
            }
        }
        // Likely winners first, so that clearly slower candidates can be abandoned early. NaN
        // predictions sort last.
        timed.sort { lhs, rhs in
            lhs.seconds.isNaN ? false : (rhs.seconds.isNaN ? true : lhs.seconds < rhs.seconds)
        }
        var measured: [ConvolutionAlgorithm: Double] = [:]
        var firstError: SpectralConvError?
        let order = timed.map(\.algorithm)
        let results = timer.measure(order, key: key) { (candidate: ConvolutionAlgorithm) throws(SpectralConvError) in try run(candidate) }
        for candidate in order {
            switch results[candidate] {
            case .success(let seconds)?: measured[candidate] = seconds
            case .failure(let error)?:
                firstError = firstError ?? error
                skipped.append(candidate)
            case nil: skipped.append(candidate)
            }
        }
        // Ties go to the earlier of direct, im2col, fft.
        let best = concrete.filter { measured[$0] != nil }.min { measured[$0]! < measured[$1]! }
        guard let best else {
            throw firstError ?? .invalidArgument("autotune timed no candidate for \(key)")
        }
        return AutotuneRecord(choice: best, seconds: measured, skipped: skipped)
    }

    // MARK: - The file (callers hold stateLock unless noted)

    private func lookUp(_ key: AutotuneKey) -> AutotuneRecord? {
        if let record = memory[key] { return record }
        loadIfNeeded()
        guard file != nil, let record = persisted[key.description], let algorithm = record.algorithm else { return nil }
        memory[key] = record
        choices[key] = algorithm
        return record
    }

    private func loadIfNeeded() {
        guard status == .notRead, let file else { return }
        switch AutotuneFile.read(file) {
        case .missing:
            status = .missing
        case .corrupt(let reason):
            status = .corrupt(reason)
            warn("ignoring the autotune cache \(file.path): \(reason); layer shapes are timed again and the file is rewritten")
        case .valid(let contents) where contents.fingerprint != fingerprint:
            status = .foreign(contents.fingerprint)
            warn("ignoring the autotune cache \(file.path): it was measured on another machine or build (\(contents.fingerprint)), not on this one (\(fingerprint)); it is replaced at the next save")
        case .valid(let contents):
            status = .loaded(entries: contents.entries.count)
            persisted.merge(contents.entries) { ours, _ in ours }
        }
    }

    /// Writes every known entry, merged with what another process may have saved meanwhile.
    /// Called with tuningLock held (one writer per autotuner); takes stateLock itself.
    private func save() {
        guard let file else { return }
        stateLock.lock()
        if case .valid(let current) = AutotuneFile.read(file), current.fingerprint == fingerprint {
            persisted.merge(current.entries) { ours, _ in ours }
        }
        let contents = AutotuneFile(fingerprint: fingerprint, entries: persisted)
        let alreadyWarned = warnedAboutSaving
        stateLock.unlock()
        do throws(SpectralConvError) {
            try contents.write(to: file)
        } catch {
            guard !alreadyWarned else { return }
            stateLock.lock()
            warnedAboutSaving = true
            stateLock.unlock()
            warn("\(error.description); autotune choices are kept in memory for this process only")
        }
    }
}
