import SpectralConv

/// The shared part of every optimiser (the shape of mlx-swift's): the loop over named parameters,
/// the iteration count, Keras' learning-rate decay, and per-parameter state keyed by name.
/// Subclasses supply only ``makeState(count:)`` and ``apply(value:gradient:state:step:)``.
///
/// Learning-rate decay (Keras 2): the step at iteration `t` (0 for the first update) uses
/// `lr_t = lr / (1 + decay · t)`.
public class Optimizer<Scalar: TensorScalar> {
    /// The base learning rate.
    public let learningRate: Double
    /// Keras' time-based decay factor (≥ 0; 0 means a constant rate).
    public let decay: Double
    /// Updates applied so far (Keras' `iterations`).
    public private(set) var iterations = 0
    private var states: [String: [[Double]]] = [:]

    /// What one update of one parameter knows about the step.
    public struct Step: Sendable {
        /// `lr / (1 + decay · iterations)`.
        public let learningRate: Double
        /// `iterations + 1`: 1 on the first update (Adam's bias correction uses it).
        public let number: Int
    }

    init(learningRate: Double, decay: Double, name: String) throws(SpectralConvError) {
        guard learningRate >= 0, learningRate.isFinite else {
            throw .invalidArgument("\(name): learning rate must be finite and non-negative, got \(learningRate)")
        }
        guard decay >= 0, decay.isFinite else { throw .invalidArgument("\(name): decay must be finite and non-negative, got \(decay)") }
        self.learningRate = learningRate
        self.decay = decay
    }

    /// Applies one update to every parameter from its stored gradient, then counts the iteration.
    /// State (moments, accumulators) is kept per name, in Double, created on first sight.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when a gradient's shape differs from its
    ///   parameter's, or a name's shape changed since the state was created.
    public func update(_ parameters: [NamedParameter<Scalar>]) throws(SpectralConvError) {
        let step = Step(learningRate: learningRate / (1 + decay * Double(iterations)), number: iterations + 1)
        for named in parameters {
            let parameter = named.parameter
            guard parameter.gradient.shape == parameter.value.shape else {
                throw .invalidShape("\(named.name): gradient \(parameter.gradient.shape) does not match the parameter \(parameter.shape)")
            }
            var state = states[named.name] ?? makeState(count: parameter.value.count)
            guard state.allSatisfy({ $0.count == parameter.value.count }) else {
                throw .invalidShape("\(named.name): the parameter changed size since the optimiser first saw it")
            }
            var value = parameter.value.doubleScalars()
            apply(value: &value, gradient: parameter.gradient.doubleScalars(), state: &state, step: step)
            parameter.value = Tensor(shape: parameter.shape, rounding: value)
            states[named.name] = state
        }
        iterations += 1
    }

    /// The optimiser's state for one parameter of `count` elements: zero or more slots of `count`.
    func makeState(count: Int) -> [[Double]] { [] }

    /// Updates `value` in place from `gradient` and the parameter's `state`.
    func apply(value: inout [Double], gradient: [Double], state: inout [[Double]], step: Step) {
        preconditionFailure("\(type(of: self)) must override apply(value:gradient:state:step:)")
    }

    /// The optimiser's per-parameter state (moments, accumulators, velocities), by parameter name,
    /// each a list of slots of the parameter's element count — for checkpoints.
    public var stateSlots: [String: [[Double]]] { states }

    /// Restores ``iterations`` and the per-parameter state saved from ``stateSlots`` (resuming a run):
    /// the next ``update(_:)`` then continues exactly where the saved optimiser stopped.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a negative iteration count or a slot
    ///   count this optimiser does not use.
    public func restore(iterations: Int, stateSlots: [String: [[Double]]]) throws(SpectralConvError) {
        guard iterations >= 0 else { throw .invalidArgument("optimiser iterations must be non-negative, got \(iterations)") }
        for (name, slots) in stateSlots {
            let expected = makeState(count: slots.first?.count ?? 0).count
            guard slots.count == expected else {
                throw .invalidArgument("optimiser state of '\(name)' has \(slots.count) slots; \(type(of: self)) keeps \(expected)")
            }
        }
        self.iterations = iterations
        self.states = stateSlots
    }

    /// Checks `value ∈ range` for a hyper-parameter.
    static func require(_ value: Double, in range: ClosedRange<Double>, _ what: String, optimizer: String) throws(SpectralConvError) {
        guard range.contains(value) else { throw .invalidArgument("\(optimizer): \(what) must be in \(range), got \(value)") }
    }
}
