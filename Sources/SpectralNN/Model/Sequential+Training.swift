import SpectralConv

extension Sequential {
    /// Whether the last layer is a ``Softmax`` (then classification losses are fused with it).
    public var endsInSoftmax: Bool { layers.last is Softmax<Scalar> }

    /// The forward pass, softmax cross-entropy and the backward pass for one classification batch:
    /// fills every parameter's gradient and returns the mean loss.
    ///
    /// **Fusion:** when the model ends in ``Softmax``, that layer is skipped: the layers before it
    /// produce logits, ``SoftmaxCrossEntropy`` computes the loss from them with log-sum-exp and its
    /// gradient `(softmax(z) − onehot) / N` directly, and back-propagation starts below the softmax —
    /// never forming `log(softmax)` or the softmax Jacobian. A model without a final softmax is
    /// taken to output logits.
    /// - Parameters:
    ///   - input: `[N] + inputShape`.
    ///   - labels: N class indices in `0..<K`.
    public func computeGradients(input: Tensor<Scalar>, labels: [Int]) throws(SpectralConvError) -> LossResult<Scalar> {
        let count = endsInSoftmax ? layers.count - 1 : layers.count
        let logits = try forward(input, through: count, training: true)
        let loss = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
        _ = try backward(loss.gradient, from: count, needsInputGradient: false)
        return loss
    }

    /// One optimisation step on a classification batch: ``computeGradients(input:labels:)``, then
    /// `optimizer.update` of every named parameter. Returns the batch's mean loss (before the update).
    @discardableResult
    public func trainStep(input: Tensor<Scalar>, labels: [Int], optimizer: Optimizer<Scalar>) throws(SpectralConvError) -> Double {
        let loss = try computeGradients(input: input, labels: labels)
        try optimizer.update(namedParameters)
        return loss.value
    }

    /// Loss and accuracy on a batch in evaluation mode (dropout off, batch norm on running statistics).
    public func evaluate(input: Tensor<Scalar>, labels: [Int]) throws(SpectralConvError) -> (loss: Double, accuracy: Double) {
        let count = endsInSoftmax ? layers.count - 1 : layers.count
        let logits = try forward(input, through: count, training: false)
        let loss = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
        return (loss.value, try Accuracy.evaluate(scores: logits, labels: labels))
    }
}
