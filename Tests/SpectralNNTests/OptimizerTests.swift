import SpectralConv
import SpectralNN
import Testing

/// Update rules against steps computed by hand from the Keras 2 formulas (in the comments).
@Suite("Optimisers (Keras 2 semantics)")
struct OptimizerTests {
    /// One parameter `[1, −2]` with the constant gradient `[0.5, 0.25]`; returns the values after each step.
    func run(_ optimizer: Optimizer<Double>, steps: Int) throws -> [[Double]] {
        let parameter = Parameter(name: "weight", value: try Tensor<Double>(shape: [2], scalars: [1, -2]))
        var history: [[Double]] = []
        for _ in 0..<steps {
            parameter.gradient = try Tensor(shape: [2], scalars: [0.5, 0.25])
            try optimizer.update([NamedParameter(name: "layer.weight", parameter: parameter)])
            history.append(parameter.value.scalars)
        }
        #expect(optimizer.iterations == steps)
        return history
    }

    func expectClose(_ actual: [[Double]], _ expected: [[Double]], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual.joined(), expected.joined()) {
            #expect(abs(a - e) <= 1e-12, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func plainSGD() throws {
        // p ← p − 0.1·g
        expectClose(try run(SGD(learningRate: 0.1), steps: 2), [[0.95, -2.025], [0.9, -2.05]])
    }

    @Test func sgdMomentum() throws {
        // v1 = −0.1·g = [−0.05, −0.025]; p1 = p0 + v1
        // v2 = 0.9·v1 − 0.1·g = [−0.095, −0.0475]; p2 = p1 + v2
        expectClose(try run(SGD(learningRate: 0.1, momentum: 0.9), steps: 2), [[0.95, -2.025], [0.855, -2.0725]])
    }

    @Test func sgdNesterov() throws {
        // p1 = p0 + 0.9·v1 − 0.1·g = 1 − 0.045 − 0.05 = 0.905;  −2 − 0.0225 − 0.025 = −2.0475
        // p2 = p1 + 0.9·v2 − 0.1·g = 0.905 − 0.0855 − 0.05 = 0.7695;  −2.0475 − 0.04275 − 0.025 = −2.11525
        expectClose(try run(SGD(learningRate: 0.1, momentum: 0.9, nesterov: true), steps: 2), [[0.905, -2.0475], [0.7695, -2.11525]])
    }

    @Test func sgdDecay() throws {
        // lr_t = 0.1 / (1 + 0.5·t): 0.1, then 0.1/1.5
        expectClose(try run(SGD(learningRate: 0.1, decay: 0.5), steps: 2),
                    [[0.95, -2.025], [0.95 - 0.5 * 0.1 / 1.5, -2.025 - 0.25 * 0.1 / 1.5]])
    }

    @Test func adagrad() throws {
        // a1 = g², p1 = p0 − 0.1·g/(|g| + 1e-7); a2 = 2g², p2 = p1 − 0.1·g/(sqrt(2)·|g| + 1e-7)
        let e = 1e-7
        let first = [1 - 0.1 * 0.5 / (0.5 + e), -2 - 0.1 * 0.25 / (0.25 + e)]
        let second = [first[0] - 0.1 * 0.5 / (0.5 * 2.0.squareRoot() + e), first[1] - 0.1 * 0.25 / (0.25 * 2.0.squareRoot() + e)]
        expectClose(try run(Adagrad(learningRate: 0.1), steps: 2), [first, second])
    }

    @Test func adadelta() throws {
        // a1 = 0.05·g²; u1 = g·sqrt(0 + ε)/sqrt(a1 + ε); p1 = p0 − u1; d1 = 0.05·u1²
        // a2 = 0.95·a1 + 0.05·g²; u2 = g·sqrt(d1 + ε)/sqrt(a2 + ε); p2 = p1 − u2
        let e = 1e-7
        var expected: [[Double]] = [[], []]
        for (p0, g) in [(1.0, 0.5), (-2.0, 0.25)] {
            let a1 = 0.05 * g * g
            let u1 = g * e.squareRoot() / (a1 + e).squareRoot()
            let d1 = 0.05 * u1 * u1
            let a2 = 0.95 * a1 + 0.05 * g * g
            let u2 = g * (d1 + e).squareRoot() / (a2 + e).squareRoot()
            expected[0].append(p0 - u1)
            expected[1].append(p0 - u1 - u2)
        }
        expectClose(try run(Adadelta(), steps: 2), expected)
    }

    @Test func adam() throws {
        // t = 1: m = 0.1·g, v = 0.001·g², lr_1 = 0.001·sqrt(0.001)/0.1; p1 = p0 − lr_1·m/(sqrt(v) + ε)
        // t = 2: m = 0.19·g, v = 0.001999·g², lr_2 = 0.001·sqrt(1 − 0.999²)/(1 − 0.9²)
        let e = 1e-7
        var expected: [[Double]] = [[], []]
        for (p0, g) in [(1.0, 0.5), (-2.0, 0.25)] {
            let lr1 = 0.001 * (1 - 0.999).squareRoot() / (1 - 0.9)
            let p1 = p0 - lr1 * (0.1 * g) / ((0.001 * g * g).squareRoot() + e)
            let lr2 = 0.001 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.9 * 0.9)
            let m2 = 0.9 * 0.1 * g + 0.1 * g, v2 = 0.999 * 0.001 * g * g + 0.001 * g * g
            expected[0].append(p1)
            expected[1].append(p1 - lr2 * m2 / (v2.squareRoot() + e))
        }
        expectClose(try run(Adam(), steps: 2), expected)
        // Decay enters Adam's rate as lr / (1 + decay·(t − 1)).
        let decayed = try run(Adam(learningRate: 0.01, decay: 1), steps: 2)
        let plain = try run(Adam(learningRate: 0.01), steps: 1)
        expectClose([decayed[0]], plain)
    }

    @Test func statesAreKeptPerName() throws {
        let optimizer = try SGD<Double>(learningRate: 0.1, momentum: 0.9)
        let a = Parameter(name: "weight", value: Tensor<Double>(shape: [1], repeating: 0))
        let b = Parameter(name: "weight", value: Tensor<Double>(shape: [1], repeating: 0))
        a.gradient = Tensor(shape: [1], repeating: 1)
        b.gradient = Tensor(shape: [1], repeating: -1)
        for _ in 0..<2 { try optimizer.update([NamedParameter(name: "a.weight", parameter: a), NamedParameter(name: "b.weight", parameter: b)]) }
        #expect(abs(a.value[0] - -0.29) < 1e-12)
        #expect(abs(b.value[0] - 0.29) < 1e-12)
    }
}
