import Foundation
import Testing
@testable import SpectralConv

/// `bench explain`: the predictions it shows are the model's, term by term, and the measured part
/// judges the choice.
@Suite struct LayerExplanationTests {
    static let geometry = try! ConvolutionGeometry(inputShape: [1, 4, 12, 12], weightShape: [4, 4, 5, 5], options: .init(padding: .same))

    @Test func predictionsAreTheModelsTermByTerm() throws {
        let model = ConvolutionCostModel.default
        let explanation = try LayerExplanation.explain(geometry: Self.geometry, model: model, threads: 2, backward: true, measure: false)
        #expect(explanation.passes.map(\.pass) == ConvolutionPass.allCases)
        for pass in explanation.passes {
            #expect(pass.measured.isEmpty && pass.fastest == nil && pass.choiceRatio == nil)
            #expect(pass.choice == model.fastest(for: Self.geometry, pass: pass.pass, threads: 2))
            #expect(pass.predictions.map(\.algorithm) == ConvolutionAlgorithm.concrete)
            for prediction in pass.predictions {
                let expected = model.predictedSeconds(for: Self.geometry, algorithm: prediction.algorithm, pass: pass.pass, threads: 2)
                #expect(abs(prediction.seconds - expected) <= 1e-15 * max(1, expected))
                #expect(abs(prediction.terms.reduce(0) { $0 + $1.seconds } - expected) <= 1e-12 * expected)
                #expect(!prediction.calibrated)
            }
        }
        let text = explanation.text(modelName: "default")
        #expect(text.contains("cost model: the documented default"))
        #expect(text.contains("auto picks \(explanation.passes[0].choice)"))
        #expect(text.contains("backward_weight — predicted per call:"))
        #expect(!text.contains("measured"))
    }

    @Test func measuredExplanationSaysWhetherThePredictionWasRight() throws {
        let explanation = try LayerExplanation.explain(geometry: Self.geometry, model: .default, threads: 1, measure: true, repeats: 2)
        let forward = explanation.passes[0]
        #expect(forward.measured.map(\.algorithm) == ConvolutionAlgorithm.concrete)
        let fastest = try #require(forward.fastest)
        let ratio = try #require(forward.choiceRatio)
        #expect(ratio >= 1)
        #expect((ratio == 1) == (fastest.algorithm == forward.choice))
        let text = explanation.text(modelName: "default")
        #expect(text.contains("measured (median of"))
        #expect(text.contains(fastest.algorithm == forward.choice ? "the prediction was right" : "auto's pick \(forward.choice) runs"))
    }
}
