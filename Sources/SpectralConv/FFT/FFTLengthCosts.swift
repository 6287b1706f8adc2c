import Foundation

/// What FFTW's real 2-D transforms of each even length cost on this machine, as measured — the
/// per-axis weights the FFT layout chooses tiles with and the cost model predicts with, in place
/// of the fixed rule of ``FFTConvolutionLayout/lengthWeight(_:perMap:)``.
///
/// Why measured: under FFTW's default `estimate` planning, the plan FFTW picks for a size is a
/// heuristic guess, and some guesses are slow. With FFTW 3.3.10 on this project's machine (batched
/// r2c + c2r of n×n Float maps, µs per map, `estimate` / `measure`): 32² 3.1 / 3.1, **40² 19.3 / 5.4**,
/// 48² 11.3 / 7.5, 64² 20.7 / 19.2, 80² 19.8 / 17.2, **96² 57.3 / 27.5** — a 40² transform cost as
/// much as an 80² one. Counting flops (or any rule by prime factors), the layout chose 40×40 tiles
/// and the model over-rated them (a 64-channel 32² layer with a 20×20 kernel ran 30 ms on them,
/// 19 ms with timed plans). Measuring each length once, with the plans the path will run, removes
/// both errors at their source.
///
/// **What is measured** (``measure(maximumLength:rigor:planCache:)``): for every even fast length
/// n (``FFTSize/evenFastLengths(in:)``) up to a maximum, the seconds of one r2c of a map followed
/// by one c2r back, for three shapes — n×n (``Route/square``), n×R (``Route/tall``) and R×n
/// (``Route/wide``), R = ``referenceLength`` — on one thread, through plans made like the FFT
/// path's and with the same rigor: for the **batched** route a chunk of maps (as many as fit the
/// path's ~512 KiB chunks) per plan, for the **per-map** route one map per plan. Best of 3 passes
/// over all lengths, 3 rounds each.
///
/// **The model.** With `c(h×w) = seconds / (5·T·log2 T)` the cost per counted flop (T = h·w):
///
///     ln c(h×w) ≈ ½ ln c(h×h) + ½ ln c(w×w) + d(h) − d(w),     d(n) = ½ ln(c(n×R) / c(R×n))
///
/// — exact for squares, and `d` carries how differently a length behaves as the rows (the
/// strided c2c pass) and as the columns (the contiguous r2c pass): on this machine 72×20 ran at
/// twice the cost per flop of 20×72, which squares alone cannot tell (they predicted both at the
/// same cost and chose 72×20 tiles that ran 1.3× slower than 32×32 ones); the model predicted
/// 72×20, 20×72, 72×36, 32×24 and 24×32 within 10%. So a TH×TW transform counts
/// `2.5·T·log2 T · h(TH) · w(TW)` flops with per-axis weights
/// `h(n) = sqrt(c(n×n) / m)·e^{d(n)}`, `w(n) = sqrt(c(n×n) / m)·e^{−d(n)}`, m the median
/// `c(n×n)` of the table (weights near 1 for typical lengths). Lengths outside the table fall back
/// to the fixed rule. The table is kept in the calibration file
/// (``CostModelCalibration/fftLengths``): calibrate with the FFT rigor you run.
public struct FFTLengthCosts: Codable, Sendable, Hashable {
    /// The other side of the rectangles that separate a length's two axes.
    public static let referenceLength = 32

    /// Seconds per map of an r2c + c2r pair through one route's plans, by length n.
    public struct Route: Codable, Sendable, Hashable {
        /// n×n maps.
        public var square: [Int: Double]
        /// n×R maps (n rows of R points).
        public var tall: [Int: Double]
        /// R×n maps (R rows of n points).
        public var wide: [Int: Double]

        public init(square: [Int: Double], tall: [Int: Double], wide: [Int: Double]) {
            self.square = square
            self.tall = tall
            self.wide = wide
        }
    }

    /// Per-axis weights of one length (see the type's description).
    struct AxisWeights: Hashable {
        let height: Double
        let width: Double
    }

    /// Through the batched route's plans (chunks of maps).
    public let batched: Route
    /// Through single-map plans (the per-map route).
    public let perMap: Route
    /// The FFTW planning rigor of the plans timed.
    public let rigor: FFTPlanRigor
    private let batchedWeights: [Int: AxisWeights]
    private let perMapWeights: [Int: AxisWeights]

    /// A table of measured seconds.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when a route has no lengths, its three
    ///   shapes are not measured at the same lengths, a length is not even and ≥ 2, or a time is
    ///   not finite and positive.
    public init(batched: Route, perMap: Route, rigor: FFTPlanRigor) throws(SpectralConvError) {
        for (name, route) in [("batched", batched), ("per-map", perMap)] {
            guard !route.square.isEmpty else { throw .invalidArgument("FFT length costs: no \(name) lengths; expected at least one") }
            let lengths = Set(route.square.keys)
            guard Set(route.tall.keys) == lengths, Set(route.wide.keys) == lengths else {
                throw .invalidArgument("FFT length costs: the \(name) square, tall and wide tables cover different lengths; expected the same")
            }
            for (shape, table) in [("square", route.square), ("tall", route.tall), ("wide", route.wide)] {
                for (length, seconds) in table.sorted(by: { $0.key < $1.key }) {
                    guard length >= 2, length % 2 == 0 else {
                        throw .invalidArgument("FFT length costs: \(name) length \(length); expected even lengths ≥ 2")
                    }
                    guard seconds.isFinite, seconds > 0 else {
                        throw .invalidArgument("FFT length costs: \(name) \(shape) time of length \(length) is \(seconds); expected a finite number of seconds > 0")
                    }
                }
            }
        }
        self.batched = batched
        self.perMap = perMap
        self.rigor = rigor
        batchedWeights = Self.weights(batched)
        perMapWeights = Self.weights(perMap)
        fingerprint = Self.fingerprint(batched: batched, perMap: perMap, rigor: rigor)
    }

    /// The weight of one `height × width` transform (`height` 1: a single row) in the batched or
    /// per-map route: `h(height)·w(width)`; nil when either length was not measured.
    public func weight(height: Int, width: Int, perMap: Bool) -> Double? {
        guard let columns = axisWeights(width, perMap: perMap) else { return nil }
        if height == 1 { return columns.width }
        guard let rows = axisWeights(height, perMap: perMap) else { return nil }
        return rows.height * columns.width
    }

    /// `h(n)` and `w(n)`: the weights of length `n` as the rows and as the columns of a transform
    /// in the batched or per-map route; nil when it was not measured.
    public func axisWeights(_ n: Int, perMap: Bool) -> (height: Double, width: Double)? {
        (perMap ? perMapWeights : batchedWeights)[n].map { ($0.height, $0.width) }
    }

    /// The longest length measured in both routes.
    public var maximumLength: Int { min(batched.square.keys.max() ?? 0, perMap.square.keys.max() ?? 0) }

    /// Eight hex digits naming the table's contents (FNV-1a of its rigor, lengths and times),
    /// stable across processes: ``AutotuneKey`` keeps choices made under different tables apart.
    /// Computed once (an autotuned call builds its key every time).
    public let fingerprint: String

    private static func fingerprint(batched: Route, perMap: Route, rigor: FFTPlanRigor) -> String {
        var hash: UInt32 = 2_166_136_261
        func mix(_ text: String) {
            for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        }
        mix(rigor.rawValue)
        for (name, route) in [("b", batched), ("p", perMap)] {
            for (shape, table) in [("s", route.square), ("t", route.tall), ("w", route.wide)] {
                for (length, seconds) in table.sorted(by: { $0.key < $1.key }) { mix("\(name)\(shape)\(length):\(seconds.bitPattern)") }
            }
        }
        return String(format: "%08x", hash)
    }

    /// `h(n)`, `w(n)` of every length of `route`.
    private static func weights(_ route: Route) -> [Int: AxisWeights] {
        func perFlop(_ points: Int, _ seconds: Double) -> Double {
            seconds / (5 * Double(points) * max(log2(Double(points)), 1))
        }
        let costs = route.square.map { perFlop($0.key * $0.key, $0.value) }.sorted()
        let median = costs.count % 2 == 1 ? costs[costs.count / 2] : (costs[costs.count / 2 - 1] + costs[costs.count / 2]) / 2
        return Dictionary(uniqueKeysWithValues: route.square.map { length, seconds in
            let base = (perFlop(length * length, seconds) / median).squareRoot()
            let asymmetry = (route.tall[length]! / route.wide[length]!).squareRoot()   // e^{d(n)}
            return (length, AxisWeights(height: base * asymmetry, width: base / asymmetry))
        })
    }

    // MARK: - JSON

    enum CodingKeys: String, CodingKey {
        case rigor, batched
        case referenceLength = "reference_length", perMap = "per_map"
    }

    /// `{"rigor": "estimate", "reference_length": 32, "batched": {"square": {"2": 3.1e-8, …},
    /// "tall": {…}, "wide": {…}}, "per_map": {…}}`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rigor.rawValue, forKey: .rigor)
        try container.encode(Self.referenceLength, forKey: .referenceLength)
        try container.encode(batched, forKey: .batched)
        try container.encode(perMap, forKey: .perMap)
    }

    /// Decodes and checks a table (``init(batched:perMap:rigor:)``'s rules; the reference length
    /// must be this version's).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rigorName = try container.decode(String.self, forKey: .rigor)
        guard let rigor = FFTPlanRigor(rawValue: rigorName) else {
            throw DecodingError.dataCorruptedError(forKey: .rigor, in: container,
                                                   debugDescription: "rigor '\(rigorName)'; expected estimate, measure or patient")
        }
        let reference = try container.decode(Int.self, forKey: .referenceLength)
        guard reference == Self.referenceLength else {
            throw DecodingError.dataCorruptedError(forKey: .referenceLength, in: container,
                                                   debugDescription: "reference length \(reference); expected \(Self.referenceLength)")
        }
        let batched = try container.decode(Route.self, forKey: .batched)
        let perMap = try container.decode(Route.self, forKey: .perMap)
        do {
            try self.init(batched: batched, perMap: perMap, rigor: rigor)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    // MARK: - Measuring

    /// Times every even fast length from 2 to `maximumLength` in both routes and three shapes
    /// (see the type's description), planning with `rigor` through `planCache` (so the plans are
    /// the ones the FFT path will reuse). About 3 s with `estimate` up to 576; `measure` adds
    /// FFTW's planning time per shape.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a maximum below 2,
    ///   ``SpectralConvError/backend(_:)`` when FFTW cannot plan a transform.
    public static func measure(maximumLength: Int, rigor: FFTPlanRigor, planCache: FFTPlanCache = .shared) throws(SpectralConvError) -> FFTLengthCosts {
        guard maximumLength >= 2 else { throw .invalidArgument("FFT length costs: maximum length \(maximumLength); expected at least 2") }
        var batched = Route(square: [:], tall: [:], wide: [:]), perMap = batched
        let r = referenceLength
        // Several passes over all lengths, keeping each measurement's best: a slow spell of the
        // machine (a VM's neighbours, a frequency change) then spoils one pass of a length, not
        // the ratio between the short lengths timed early and the long ones timed late.
        for _ in 0..<passes {
            for n in FFTSize.evenFastLengths(in: 2...maximumLength) {
                for (height, width, keyPath) in [(n, n, \Route.square), (n, r, \Route.tall), (r, n, \Route.wide)] {
                    let map = MapLayout(height: height, width: width)
                    let chunk = try secondsPerMap(map, maps: map.chunkMaps, rigor: rigor, planCache: planCache)
                    let single = try secondsPerMap(map, maps: 1, rigor: rigor, planCache: planCache)
                    batched[keyPath: keyPath][n] = min(batched[keyPath: keyPath][n] ?? .infinity, chunk)
                    perMap[keyPath: keyPath][n] = min(perMap[keyPath: keyPath][n] ?? .infinity, single)
                }
            }
        }
        return try FFTLengthCosts(batched: batched, perMap: perMap, rigor: rigor)
    }

    /// A height × width map laid out as the FFT path lays it out (``FFTConvolutionLayout``'s distances).
    private struct MapLayout {
        let height: Int
        let width: Int
        var half: Int { width / 2 + 1 }
        var realDistance: Int { (height * width + 15) / 16 * 16 }
        var complexDistance: Int { (height * half + 7) / 8 * 8 }
        /// Maps per chunk in the batched route (``FFTConvolution/chunkBytes`` of real maps and spectra).
        var chunkMaps: Int { max(1, FFTConvolution.chunkBytes / ((realDistance + 2 * complexDistance) * MemoryLayout<Float>.stride)) }
    }

    /// Best seconds per map of `maps` r2c transforms then `maps` c2r transforms, one thread.
    private static func secondsPerMap(_ map: MapLayout, maps: Int, rigor: FFTPlanRigor, planCache: FFTPlanCache) throws(SpectralConvError) -> Double {
        typealias Axis = FFTPlanDescriptor.Axis
        let (h, w, half, rd, cd) = (map.height, map.width, map.half, map.realDistance, map.complexDistance)
        let realAxes = [Axis(n: h, inputStride: w, outputStride: half), Axis(n: w, inputStride: 1, outputStride: 1)]
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
        var generator = SplitMix64(seed: 42)
        for index in 0..<(maps * rd) { input[index] = Float.random(in: -0.5..<0.5, using: &generator) }
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

    /// Passes over the lengths, rounds per shape and pass, and the least time of one round.
    static let passes = 3
    static let rounds = 3
    static let roundSeconds = 2e-4
}
