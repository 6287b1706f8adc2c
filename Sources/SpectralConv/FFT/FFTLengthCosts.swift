import Foundation

/// What FFTW's real 2-D transforms of each even length cost on this machine, as measured — the
/// per-length weights the FFT layout chooses tiles with and the cost model predicts with, in place
/// of the fixed rule of ``FFTConvolutionLayout/lengthWeight(_:perMap:)``.
///
/// Why measured: under FFTW's default `estimate` planning, the plan FFTW picks for a length is a
/// heuristic guess, and some guesses are slow. With FFTW 3.3.10 on this project's machine (batched
/// r2c + c2r of n×n Float maps, µs per map, `estimate` / `measure`): 32² 3.1 / 3.1, **40² 19.3 / 5.4**,
/// 48² 11.3 / 7.5, 64² 20.7 / 19.2, 80² 19.8 / 17.2, **96² 57.3 / 27.5** — a 40² transform cost as
/// much as an 80² one. Counting flops (or any rule by prime factors), the layout chose 40×40 tiles
/// and the model over-rated them (a 64-channel 32² layer with a 20×20 kernel ran 30 ms on them,
/// 19 ms with timed plans). Measuring each length once, with the plans the path will run, removes
/// both errors at their source.
///
/// **What is measured** (``measure(maximumLength:rigor:planCache:)``): for every even fast length
/// n (``FFTSize/evenFastLengths(in:)``) up to a maximum, the seconds of one r2c of an n×n map
/// followed by one c2r back, on one thread, through plans made like the FFT path's and with the
/// same rigor: for the **batched** route a chunk of maps (as many as fit the path's ~512 KiB
/// chunks) per plan, for the **per-map** route one map per plan. Best of 3 passes over all lengths,
/// 3 rounds each.
///
/// **How it is used**: a length's per-axis weight is `w(n) = sqrt(c(n) / median_m c(m))` with
/// `c(n) = seconds(n) / (5·n²·log2(n²))` — the cost per counted flop relative to the table's
/// typical one — so a TH×TW transform counts `2.5·T·log2 T · w(TH) · w(TW)` flops. Lengths outside
/// the table fall back to the fixed rule. The table is kept in the calibration file
/// (``CostModelCalibration/fftLengths``): calibrate with the FFT rigor you run.
public struct FFTLengthCosts: Codable, Sendable, Hashable {
    /// Seconds per map of an n×n r2c + c2r pair through the batched route's plans, by length n.
    public let batchedSeconds: [Int: Double]
    /// Seconds per map of an n×n r2c + c2r pair through single-map plans (the per-map route).
    public let perMapSeconds: [Int: Double]
    /// The FFTW planning rigor of the plans timed.
    public let rigor: FFTPlanRigor
    /// Per-axis weights derived from the seconds (see the type's description).
    private let batchedWeights: [Int: Double]
    private let perMapWeights: [Int: Double]

    /// A table of measured seconds.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when a length is not even and ≥ 2, a
    ///   time is not finite and positive, or a route has no entry.
    public init(batchedSeconds: [Int: Double], perMapSeconds: [Int: Double], rigor: FFTPlanRigor) throws(SpectralConvError) {
        for (route, table) in [("batched", batchedSeconds), ("per-map", perMapSeconds)] {
            guard !table.isEmpty else { throw .invalidArgument("FFT length costs: no \(route) lengths; expected at least one") }
            for (length, seconds) in table.sorted(by: { $0.key < $1.key }) {
                guard length >= 2, length % 2 == 0 else {
                    throw .invalidArgument("FFT length costs: \(route) length \(length); expected even lengths ≥ 2")
                }
                guard seconds.isFinite, seconds > 0 else {
                    throw .invalidArgument("FFT length costs: \(route) time of length \(length) is \(seconds); expected a finite number of seconds > 0")
                }
            }
        }
        self.batchedSeconds = batchedSeconds
        self.perMapSeconds = perMapSeconds
        self.rigor = rigor
        batchedWeights = Self.weights(batchedSeconds)
        perMapWeights = Self.weights(perMapSeconds)
    }

    /// The per-axis weight of length `n` in the batched or per-map route; nil when it was not measured.
    public func weight(_ n: Int, perMap: Bool) -> Double? {
        (perMap ? perMapWeights : batchedWeights)[n]
    }

    /// The longest length measured in both routes.
    public var maximumLength: Int { min(batchedSeconds.keys.max() ?? 0, perMapSeconds.keys.max() ?? 0) }

    /// `w(n) = sqrt(c(n) / median c)` with `c(n) = seconds(n) / (5·n²·log2(n²))`.
    private static func weights(_ seconds: [Int: Double]) -> [Int: Double] {
        func perFlop(_ n: Int, _ s: Double) -> Double {
            let points = Double(n * n)
            return s / (5 * points * max(log2(points), 1))
        }
        let costs = seconds.map { perFlop($0.key, $0.value) }.sorted()
        let median = costs.count % 2 == 1 ? costs[costs.count / 2] : (costs[costs.count / 2 - 1] + costs[costs.count / 2]) / 2
        return Dictionary(uniqueKeysWithValues: seconds.map { ($0.key, (perFlop($0.key, $0.value) / median).squareRoot()) })
    }

    // MARK: - JSON

    enum CodingKeys: String, CodingKey {
        case rigor
        case batchedSeconds = "batched_seconds", perMapSeconds = "per_map_seconds"
    }

    /// `{"rigor": "estimate", "batched_seconds": {"2": 3.1e-8, …}, "per_map_seconds": {…}}`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rigor.rawValue, forKey: .rigor)
        try container.encode(batchedSeconds, forKey: .batchedSeconds)
        try container.encode(perMapSeconds, forKey: .perMapSeconds)
    }

    /// Decodes and checks a table (``init(batchedSeconds:perMapSeconds:rigor:)``'s rules).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rigorName = try container.decode(String.self, forKey: .rigor)
        guard let rigor = FFTPlanRigor(rawValue: rigorName) else {
            throw DecodingError.dataCorruptedError(forKey: .rigor, in: container,
                                                   debugDescription: "rigor '\(rigorName)'; expected estimate, measure or patient")
        }
        let batched = try container.decode([Int: Double].self, forKey: .batchedSeconds)
        let perMap = try container.decode([Int: Double].self, forKey: .perMapSeconds)
        do {
            try self.init(batchedSeconds: batched, perMapSeconds: perMap, rigor: rigor)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    // MARK: - Measuring

    /// Times every even fast length from 2 to `maximumLength` in both routes (see the type's
    /// description), planning with `rigor` through `planCache` (so the plans are the ones the FFT
    /// path will reuse). Takes about a second with `estimate` up to 560; `measure` adds FFTW's
    /// planning time per length.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a maximum below 2,
    ///   ``SpectralConvError/backend(_:)`` when FFTW cannot plan a transform.
    public static func measure(maximumLength: Int, rigor: FFTPlanRigor, planCache: FFTPlanCache = .shared) throws(SpectralConvError) -> FFTLengthCosts {
        guard maximumLength >= 2 else { throw .invalidArgument("FFT length costs: maximum length \(maximumLength); expected at least 2") }
        var batched: [Int: Double] = [:], perMap: [Int: Double] = [:]
        // Several passes over all lengths, keeping each length's best: a slow spell of the machine
        // (a VM's neighbours, a frequency change) then spoils one pass of a length, not the ratio
        // between the short lengths timed early and the long ones timed late.
        for _ in 0..<passes {
            for n in FFTSize.evenFastLengths(in: 2...maximumLength) {
                let layout = MapLayout(n: n)
                let chunk = try secondsPerMap(layout, maps: layout.chunkMaps, rigor: rigor, planCache: planCache)
                let single = try secondsPerMap(layout, maps: 1, rigor: rigor, planCache: planCache)
                batched[n] = min(batched[n] ?? .infinity, chunk)
                perMap[n] = min(perMap[n] ?? .infinity, single)
            }
        }
        return try FFTLengthCosts(batchedSeconds: batched, perMapSeconds: perMap, rigor: rigor)
    }

    /// An n×n map laid out as the FFT path lays it out (``FFTConvolutionLayout``'s distances).
    private struct MapLayout {
        let n: Int
        var half: Int { n / 2 + 1 }
        var realDistance: Int { (n * n + 15) / 16 * 16 }
        var complexDistance: Int { (n * half + 7) / 8 * 8 }
        /// Maps per chunk in the batched route (``FFTConvolution/chunkBytes`` of real maps and spectra).
        var chunkMaps: Int { max(1, FFTConvolution.chunkBytes / ((realDistance + 2 * complexDistance) * MemoryLayout<Float>.stride)) }
    }

    /// Best seconds per map of `maps` r2c transforms then `maps` c2r transforms, one thread.
    private static func secondsPerMap(_ map: MapLayout, maps: Int, rigor: FFTPlanRigor, planCache: FFTPlanCache) throws(SpectralConvError) -> Double {
        typealias Axis = FFTPlanDescriptor.Axis
        let (n, half, rd, cd) = (map.n, map.half, map.realDistance, map.complexDistance)
        let realAxes = [Axis(n: n, inputStride: n, outputStride: half), Axis(n: n, inputStride: 1, outputStride: 1)]
        let inverseAxes = realAxes.map { Axis(n: $0.n, inputStride: $0.outputStride, outputStride: $0.inputStride) }
        let forward = try planCache.plan(for: FFTPlanDescriptor(
            precision: .single, kind: .realToComplex, dimensions: realAxes,
            batch: [Axis(n: maps, inputStride: rd, outputStride: cd)], inPlace: false, rigor: rigor, threads: 1))
        let inverse = try planCache.plan(for: FFTPlanDescriptor(
            precision: .single, kind: .complexToReal, dimensions: inverseAxes,
            batch: [Axis(n: maps, inputStride: cd, outputStride: rd)], inPlace: false, rigor: rigor, threads: 1))
        // The r2c preserves its input and the c2r writes elsewhere, so rounds do not compound.
        let (inputBuffer, spectraBuffer, outputBuffer) = (ScratchBuffer(), ScratchBuffer(), ScratchBuffer())
        let input = inputBuffer.reserve(maps * rd, of: Float.self)
        let spectra = spectraBuffer.reserve(2 * maps * cd, of: Float.self)
        let output = outputBuffer.reserve(maps * rd, of: Float.self)
        var state: UInt32 = 0x9E37_79B9
        for index in 0..<(maps * rd) {
            state = state &* 1_664_525 &+ 1_013_904_223
            input[index] = Float(state >> 8) / Float(1 << 24) - 0.5
        }
        func pair() {
            forward.execute(input: input, output: spectra)
            inverse.execute(input: spectra, output: output)
        }
        pair()  // warm-up: first touch of the buffers and the plans' twiddles
        let start = InterleavedTiming.now()
        pair()
        let once = max(InterleavedTiming.now() - start, 1e-7)
        let repeats = max(1, Int((Self.roundSeconds / once).rounded(.up)))
        var best = Double.infinity
        for _ in 0..<Self.rounds {
            let start = InterleavedTiming.now()
            for _ in 0..<repeats { pair() }
            best = min(best, (InterleavedTiming.now() - start) / Double(repeats))
        }
        return best / Double(maps)
    }

    /// Passes over the lengths, rounds per length and pass, and the least time of one round.
    static let passes = 3
    static let rounds = 3
    static let roundSeconds = 2e-4
}
