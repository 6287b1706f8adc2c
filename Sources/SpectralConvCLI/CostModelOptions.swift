import ArgumentParser
import Foundation
import SpectralConv

/// The cost-model option of every command that convolves: which calibration `auto` uses.
struct CostModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Cost-model calibration for auto: a file written by `bench sweep --calibrate`, or 'none' for the documented default model.",
        discussion: "Without it: the cache folder's calibration.json ($SPECTRALCONV_CACHE_DIR, $XDG_CACHE_HOME/spectralconv or ~/.cache/spectralconv) when it exists, else the documented default.",
        valueName: "file|none"))
    var calibration: String?

    /// The model and how reports name it (`default`, or `calibrated: FILE`).
    /// - Throws: ``SpectralConvError`` when a named (or the cache folder's) file is unreadable or invalid.
    func load() throws(SpectralConvError) -> (model: ConvolutionCostModel, name: String) {
        if calibration?.lowercased() == "none" { return (.default, "default") }
        let (model, file) = try ConvolutionCostModel.load(calibrationFile: calibration)
        return (model, file.map { "calibrated: \($0)" } ?? "default")
    }
}
