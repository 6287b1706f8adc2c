import Foundation

/// Fits the cost model's coefficients to measured times: robust least squares in log-time, the
/// paths fitted together with one load factor per measured layer.
///
/// A path's prediction is `p(c) = Σ_i c_i·x_i` (``ConvolutionCostTerms`` amounts `x_i`,
/// coefficients `c_i > 0` in seconds per unit). For measurements `t_j` of path `p_j` on layer
/// (group) `g_j` the fit minimises, over `θ = ln c` of every path and one `ℓ_g` per layer,
///
///     Σ_j ρ(ln p_j(c) + ℓ_{g_j} − ln t_j)  +  μ·Σ_g ℓ_g²  +  λ·Σ_i (θ_i − ln c⁰_i)²
///
/// - **Log-time**: relative errors count the same for a 20 µs and a 2 s layer, which is what
///   choosing between paths needs.
/// - **Load factors** `ℓ_g` (weight μ = ``Options/offsetWeight``, 0.5): the paths of one layer are
///   measured seconds apart, different layers minutes apart; on a shared machine the load drifts in
///   between. `e^ℓ_g` absorbs most of a slowdown common to all paths of a layer (a third of it
///   stays when three paths were measured), so the coefficients are learnt mainly from how the
///   paths compare on each layer — what `auto` decides on — and the drift does not bend them. On
///   a quiet machine the `ℓ_g` stay near 0. Samples without a group have no load factor.
/// - **Robust loss** ρ: Cauchy with scale s = ``Options/robustScale`` (0.25, i.e. ~28%),
///   `ρ(r) = s²·ln(1 + (r/s)²)`: quadratic for small errors, and an outlier (a scheduler hiccup, an
///   FFTW plan that is pathologically slow for one size) pulls less the further off it is. Solved
///   by iteratively reweighted least squares (weights `1/(1 + (r/s)²)`), starting from the plain
///   least-squares solution.
/// - **Prior** λ = ``Options/priorWeight`` (10⁻⁵) towards the documented default coefficients
///   `c⁰`: it changes nothing the measurements determine — a factor e on one coefficient costs as
///   much as a 0.3% error on one measurement — but makes the minimum unique when the data cannot
///   tell terms apart (collinear terms). Terms whose amount is zero in every measurement keep `c⁰`.
///
/// Each reweighted problem is solved by Levenberg–Marquardt, started from `c⁰` scaled by the
/// geometric-mean ratio of measured to predicted times. `∂r_j/∂θ_i = c_i·x_ji / p_j`, `∂r_j/∂ℓ_g = 1`;
/// the load factors are eliminated from each step's normal equations by their Schur complement
/// (they are independent of each other), so a step costs `O(samples·k² + k³)` for `k ≤ 12`
/// coefficients, whatever the number of layers.
///
/// Why this generalises: the terms are operation counts (flops, bytes, calls) of the very layouts
/// the paths run, so fitted coefficients are machine rates and overheads that carry over to layers
/// that were not measured — it is not a table of the measured layers.
public enum CostModelFit {
    /// One measured call.
    public struct Sample: Sendable, Hashable {
        public var algorithm: ConvolutionAlgorithm
        public var terms: ConvolutionCostTerms
        /// Measured seconds (median).
        public var seconds: Double
        /// The layer it was measured on (samples of one layer share a load factor); nil for none.
        public var group: Int?

        public init(algorithm: ConvolutionAlgorithm, terms: ConvolutionCostTerms, seconds: Double, group: Int? = nil) {
            self.algorithm = algorithm
            self.terms = terms
            self.seconds = seconds
            self.group = group
        }
    }

    /// The weights of the fit (see the type's documentation).
    public struct Options: Sendable, Hashable {
        /// λ: pull of each `ln c` towards the default.
        public var priorWeight: Double
        /// μ: pull of each layer's load factor towards 0 (∞ would fix them at 0).
        public var offsetWeight: Double
        /// s of the Cauchy loss in ln units; nil for plain least squares.
        public var robustScale: Double?

        public init(priorWeight: Double = 1e-5, offsetWeight: Double = 0.5, robustScale: Double? = 0.25) {
            self.priorWeight = priorWeight
            self.offsetWeight = offsetWeight
            self.robustScale = robustScale
        }
    }

    /// The result for one path.
    public struct Result: Sendable, Hashable {
        public var coefficients: ConvolutionCostModel.Coefficients
        /// `sqrt(mean((ln p_j − ln t_j)²))` and `max |ln p_j − ln t_j|` over the path's samples,
        /// without load factors: the absolute prediction error.
        public var rmsLogError: Double
        public var maxLogError: Double
        /// Samples used (finite, positive times, some term non-zero).
        public var samples: Int
    }

    /// Fits every path present in `samples` together; `priors` gives each path's default
    /// coefficients (a 0 is replaced by a small positive value: 1 µs per call, or 10⁻³ of the
    /// path's largest coefficient otherwise).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when no sample is usable.
    public static func fit(
        samples: [Sample], priors: [ConvolutionAlgorithm: ConvolutionCostModel.Coefficients], options: Options = Options()
    ) throws(SpectralConvError) -> [ConvolutionAlgorithm: Result] {
        // The unknowns: the active terms of each path, in a fixed order.
        let paths = ConvolutionAlgorithm.concrete.filter { path in samples.contains { $0.algorithm == path } }
        var unknowns: [(path: ConvolutionAlgorithm, term: CostTerm)] = []
        var used: [Sample] = []
        for path in paths {
            let terms = CostTerm.terms(of: path)
            let pathSamples = samples.filter { sample in
                sample.algorithm == path && sample.seconds.isFinite && sample.seconds > 0 && terms.contains { sample.terms[$0] > 0 }
            }
            used += pathSamples
            for term in terms where pathSamples.contains(where: { $0.terms[term] > 0 }) { unknowns.append((path, term)) }
        }
        guard !used.isEmpty else { throw .invalidArgument("no measurement to fit the cost model to (every time is missing or zero)") }
        func priorValue(_ path: ConvolutionAlgorithm, _ term: CostTerm) -> Double {
            let prior = priors[path] ?? [:]
            let value = prior[term] ?? 0
            return value > 0 ? value : (term == .calls ? 1e-6 : max((prior.values.max() ?? 1e-9) * 1e-3, 1e-15))
        }
        let k = unknowns.count
        let theta0 = unknowns.map { log(priorValue($0.path, $0.term)) }
        // Per sample: the indices of its path's unknowns and their amounts.
        let columns: [[(index: Int, amount: Double)]] = used.map { sample in
            unknowns.indices.compactMap { index in
                let unknown = unknowns[index]
                guard unknown.path == sample.algorithm, sample.terms[unknown.term] > 0 else { return nil }
                return (index, sample.terms[unknown.term])
            }
        }
        let logT = used.map { log($0.seconds) }
        var groupIndex: [Int: Int] = [:]
        for sample in used { if let group = sample.group, groupIndex[group] == nil { groupIndex[group] = groupIndex.count } }
        let groupOf = used.map { $0.group.flatMap { groupIndex[$0] } }
        let groups = groupIndex.count
        let mu = options.offsetWeight, lambda = options.priorWeight

        func predictions(_ theta: [Double]) -> [Double] {
            columns.map { row in row.reduce(0) { $0 + exp(theta[$1.index]) * $1.amount } }
        }
        func residuals(_ theta: [Double], _ offsets: [Double]) -> [Double] {
            let p = predictions(theta)
            return p.indices.map { log(p[$0]) + (groupOf[$0].map { offsets[$0] } ?? 0) - logT[$0] }
        }
        func cost(_ theta: [Double], _ offsets: [Double], _ weights: [Double]) -> Double {
            let r = residuals(theta, offsets)
            var total = 0.0
            for j in r.indices { total += weights[j] * r[j] * r[j] }
            for g in offsets.indices { total += mu * offsets[g] * offsets[g] }
            for i in theta.indices { total += lambda * (theta[i] - theta0[i]) * (theta[i] - theta0[i]) }
            return total
        }

        // Start: the prior scaled to the data's overall level.
        let p0 = predictions(theta0)
        var shift = 0.0
        for j in p0.indices { shift += (logT[j] - log(p0[j])) / Double(p0.count) }
        var theta = theta0.map { $0 + shift }
        var offsets = Array(repeating: 0.0, count: groups)
        var weights = Array(repeating: 1.0, count: used.count)

        func levenbergMarquardt(theta: inout [Double], offsets: inout [Double], weights: [Double]) {
            var current = cost(theta, offsets, weights)
            var damping = 1e-3
            for _ in 0..<2000 {
                let p = predictions(theta)
                let r = residuals(theta, offsets)
                var a = Array(repeating: Array(repeating: 0.0, count: k), count: k)
                var b = Array(repeating: Array(repeating: 0.0, count: groups), count: k)   // θ × ℓ block
                var d = Array(repeating: mu, count: groups)
                var gradTheta = Array(repeating: 0.0, count: k)
                var gradOffset = offsets.map { mu * $0 }
                for j in r.indices {
                    let w = weights[j]
                    let jacobian = columns[j].map { ($0.index, exp(theta[$0.index]) * $0.amount / p[j]) }
                    for (index, value) in jacobian {
                        gradTheta[index] += w * value * r[j]
                        for (other, otherValue) in jacobian { a[index][other] += w * value * otherValue }
                    }
                    if let g = groupOf[j] {
                        d[g] += w
                        gradOffset[g] += w * r[j]
                        for (index, value) in jacobian { b[index][g] += w * value }
                    }
                }
                for i in 0..<k {
                    gradTheta[i] += lambda * (theta[i] - theta0[i])
                    a[i][i] += lambda
                }
                var improved = false
                while damping < 1e12 {
                    // Damped blocks, then the Schur complement of the (diagonal) offset block.
                    var s = a
                    for i in 0..<k { s[i][i] += damping * a[i][i] }
                    let dd = d.map { $0 * (1 + damping) }
                    var rhs = gradTheta.map { -$0 }
                    for i in 0..<k {
                        for g in 0..<groups where b[i][g] != 0 {
                            rhs[i] += b[i][g] / dd[g] * gradOffset[g]
                            for other in 0..<k where b[other][g] != 0 { s[i][other] -= b[i][g] * b[other][g] / dd[g] }
                        }
                    }
                    guard let stepTheta = solve(s, rhs) else { damping *= 10; continue }
                    let stepOffsets = (0..<groups).map { g in
                        (-gradOffset[g] - (0..<k).reduce(0) { $0 + b[$1][g] * stepTheta[$1] }) / dd[g]
                    }
                    let trialTheta = zip(theta, stepTheta).map { $0 + $1 }
                    let trialOffsets = zip(offsets, stepOffsets).map { $0 + $1 }
                    let trial = cost(trialTheta, trialOffsets, weights)
                    if trial.isFinite, trial < current {
                        let gain = current - trial
                        theta = trialTheta
                        offsets = trialOffsets
                        current = trial
                        damping = max(damping / 10, 1e-12)
                        improved = gain > 1e-15 * max(1, current)
                        break
                    }
                    damping *= 10
                }
                if !improved { break }
            }
        }

        // Plain least squares first, then reweighted for the robust loss until the weights settle.
        levenbergMarquardt(theta: &theta, offsets: &offsets, weights: weights)
        if let scale = options.robustScale {
            for _ in 0..<20 {
                let next = residuals(theta, offsets).map { 1 / (1 + ($0 / scale) * ($0 / scale)) }
                let change = zip(next, weights).map { abs($0 - $1) }.max() ?? 0
                weights = next
                levenbergMarquardt(theta: &theta, offsets: &offsets, weights: weights)
                if change < 1e-3 { break }
            }
        }

        var results: [ConvolutionAlgorithm: Result] = [:]
        let p = predictions(theta)
        for path in paths {
            var coefficients: ConvolutionCostModel.Coefficients = [:]
            for term in CostTerm.terms(of: path) { coefficients[term] = priors[path]?[term] ?? 0 }
            for (index, unknown) in unknowns.enumerated() where unknown.path == path { coefficients[unknown.term] = exp(theta[index]) }
            let errors = used.indices.filter { used[$0].algorithm == path }.map { abs(log(p[$0]) - logT[$0]) }
            results[path] = Result(
                coefficients: coefficients,
                rmsLogError: rootMeanSquare(errors),
                maxLogError: errors.max() ?? 0, samples: errors.count)
        }
        return results
    }

    /// Fits one path's samples alone (no load factors): the coefficients of `terms`, started from
    /// and regularised towards `prior`.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when no sample is usable.
    public static func fit(
        samples: [Sample], terms: [CostTerm], prior: ConvolutionCostModel.Coefficients, options: Options = Options()
    ) throws(SpectralConvError) -> Result {
        guard let path = samples.first?.algorithm, samples.allSatisfy({ $0.algorithm == path }) else {
            throw .invalidArgument("a single-path fit needs samples of one path")
        }
        var ungrouped = samples
        for index in ungrouped.indices { ungrouped[index].group = nil }
        guard let result = try fit(samples: ungrouped, priors: [path: prior], options: options)[path] else {
            throw .invalidArgument("no measurement to fit the cost model to (every time is missing or zero)")
        }
        return result
    }

    /// `sqrt(mean(x²))` of `values` (0 for none): the error measure of fits and predictions.
    public static func rootMeanSquare(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
    }

    /// Solves `a·x = b` by Gaussian elimination with partial pivoting; nil when `a` is singular.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a, v = b
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) }!
            guard abs(m[pivot][column]) > 1e-300 else { return nil }
            m.swapAt(column, pivot)
            v.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = m[row][column] / m[column][column]
                for k in column..<n { m[row][k] -= factor * m[column][k] }
                v[row] -= factor * v[column]
            }
        }
        var x = Array(repeating: 0.0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = v[row]
            for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
            x[row] = sum / m[row][row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
