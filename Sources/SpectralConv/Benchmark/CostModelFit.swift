import Foundation

/// Fits one path's cost coefficients to measured times by least squares in log-time.
///
/// A path's prediction is `p(c) = Σ_i c_i·x_i` (``ConvolutionCostTerms`` amounts `x_i`,
/// coefficients `c_i ≥ 0` in seconds per unit). Given measurements `(x_j, t_j)` the fit minimises
///
///     Σ_j (ln p_j(c) − ln t_j)²  +  λ · Σ_i (ln c_i − ln c⁰_i)²
///
/// over `θ = ln c` (so every coefficient stays positive): relative errors count the same for a
/// 20 µs and a 2 s layer, which is what choosing between paths needs. The second sum is a weak
/// prior (λ = ``priorWeight``, 10⁻³) towards the documented default coefficients `c⁰`: it changes
/// nothing a few measurements determine — a factor e on one coefficient costs as much as a 3%
/// error on a single measurement — but keeps coefficients the data cannot tell apart (collinear
/// terms, a term that never varies) at their documented values instead of drifting.
///
/// The minimiser is Levenberg–Marquardt on θ, started from `c⁰` scaled by the geometric-mean
/// ratio of measured to predicted times. Gradient: `∂ ln p_j / ∂θ_i = c_i·x_ji / p_j`. Terms whose
/// amount is zero in every measurement are left at `c⁰`. The problem is small (≤ 4 unknowns), so
/// each step solves its normal equations directly.
///
/// Why this form generalises: the terms are operation counts (flops, bytes, calls) of the very
/// layouts the paths run, so fitted coefficients are machine rates and overheads that carry over
/// to shapes that were not measured — it is not a table of the measured layers.
public enum CostModelFit {
    /// Weight of the prior towards the default coefficients (see the type's documentation).
    public static let priorWeight = 1e-3

    /// One measured call.
    public struct Sample: Sendable, Hashable {
        public var terms: ConvolutionCostTerms
        /// Measured seconds (median).
        public var seconds: Double

        public init(terms: ConvolutionCostTerms, seconds: Double) {
            self.terms = terms
            self.seconds = seconds
        }
    }

    /// The result of a fit.
    public struct Result: Sendable, Hashable {
        public var coefficients: ConvolutionCostModel.Coefficients
        /// `sqrt(mean((ln p_j − ln t_j)²))` and `max |ln p_j − ln t_j|` over the samples used.
        public var rmsLogError: Double
        public var maxLogError: Double
        /// Samples used (finite, positive times).
        public var samples: Int
    }

    /// Fits the coefficients of `terms` to `samples`, starting from and regularised towards `prior`
    /// (a coefficient of 0 in the prior is replaced by a small positive one: 1 µs per call, or
    /// 10⁻³ of the largest prior coefficient otherwise).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when no sample has a positive, finite time.
    public static func fit(samples: [Sample], terms: [CostTerm], prior: ConvolutionCostModel.Coefficients) throws(SpectralConvError) -> Result {
        let used = samples.filter { sample in sample.seconds.isFinite && sample.seconds > 0 && terms.contains { sample.terms[$0] > 0 } }
        guard !used.isEmpty else { throw .invalidArgument("no measurement to fit the cost model to (every time is missing or zero)") }
        let largest = prior.values.max() ?? 1e-9
        func priorValue(_ term: CostTerm) -> Double {
            let value = prior[term] ?? 0
            return value > 0 ? value : (term == .calls ? 1e-6 : max(largest * 1e-3, 1e-15))
        }
        // Only terms that vary are fitted; the others keep the prior.
        let active = terms.filter { term in used.contains { $0.terms[term] > 0 } }
        let x = used.map { sample in active.map { sample.terms[$0] } }
        let logT = used.map { log($0.seconds) }
        let theta0 = active.map { log(priorValue($0)) }

        func predictions(_ theta: [Double]) -> [Double] {
            let c = theta.map { exp($0) }
            return x.map { row in
                var total = 0.0
                for i in row.indices { total += row[i] * c[i] }
                return total
            }
        }
        func cost(_ theta: [Double]) -> Double {
            let p = predictions(theta)
            var total = 0.0
            for j in p.indices { let r = log(p[j]) - logT[j]; total += r * r }
            for i in theta.indices { let r = theta[i] - theta0[i]; total += priorWeight * r * r }
            return total
        }

        // Start: the prior scaled to the data's overall level.
        let p0 = predictions(theta0)
        var shift = 0.0
        for j in p0.indices { shift += (logT[j] - log(p0[j])) / Double(p0.count) }
        var theta = theta0.map { $0 + shift }
        var current = cost(theta)
        var damping = 1e-3
        for _ in 0..<500 {
            let p = predictions(theta)
            let c = theta.map { exp($0) }
            let k = theta.count
            var normal = Array(repeating: Array(repeating: 0.0, count: k), count: k)
            var gradient = Array(repeating: 0.0, count: k)
            for j in p.indices {
                let r = log(p[j]) - logT[j]
                let jacobian = (0..<k).map { c[$0] * x[j][$0] / p[j] }
                for a in 0..<k {
                    gradient[a] += jacobian[a] * r
                    for b in 0..<k { normal[a][b] += jacobian[a] * jacobian[b] }
                }
            }
            for a in 0..<k {
                gradient[a] += priorWeight * (theta[a] - theta0[a])
                normal[a][a] += priorWeight
            }
            var improved = false
            while damping < 1e12 {
                var damped = normal
                for a in 0..<k { damped[a][a] += damping * (normal[a][a] + 1e-12) }
                guard let step = solve(damped, gradient.map { -$0 }) else { damping *= 10; continue }
                let trial = zip(theta, step).map { $0 + $1 }
                let trialCost = cost(trial)
                if trialCost.isFinite, trialCost < current {
                    let gain = current - trialCost
                    theta = trial
                    current = trialCost
                    damping = max(damping / 10, 1e-12)
                    improved = gain > 1e-14 * max(1, current)
                    break
                }
                damping *= 10
            }
            if !improved { break }
        }

        var coefficients: ConvolutionCostModel.Coefficients = [:]
        for term in terms { coefficients[term] = prior[term] ?? 0 }
        for (term, value) in zip(active, theta) { coefficients[term] = exp(value) }
        let errors = zip(predictions(theta), logT).map { abs(log($0) - $1) }
        return Result(
            coefficients: coefficients,
            rmsLogError: (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot(),
            maxLogError: errors.max() ?? 0, samples: used.count)
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
