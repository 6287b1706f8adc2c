import ArgumentParser
import Foundation
import SpectralAnalysis
import SpectralConv

/// `spectralconv filter`: one image filtered spatially and spectrally (see ``ImageFiltering``).
struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Filter a PNG by spatial convolution and by multiplying spectra; print how far the two differ.",
        discussion: """
            Convolution (not correlation): the kernel's centre tap ((k-1)/2, rounded down) sits on the \
            output pixel, zeros outside the image, output the input's size — like scipy.ndimage.convolve \
            with mode='constant'. The spatial path is the core's direct convolution in Float with the kernel \
            flipped; the spectral path zero-pads to (H+kH-1)×(W+kW-1) and multiplies FFTW spectra in Double. \
            Accepts 8-bit grayscale, RGB and palette PNGs (each channel filtered separately); 16-bit and \
            alpha PNGs are refused. The output is clamped to [0, 1], or, for zero-sum kernels (edge \
            detectors), mapped so that 0 is mid-grey. KERNEL as for `spectralconv spectrum` (one 2-D kernel).
            """
    )

    @Argument(help: "The input PNG, or synthetic:WxH / synthetic-rgb:WxH for a generated natural-looking picture.")
    var image: String

    @Option(help: "The kernel: a preset, a literal matrix, FILE.npy or FILE.safetensors:TENSOR (one 2-D kernel).")
    var kernel: String

    @Option(help: "Write the filtered image (PNG, written atomically).")
    var out: String?

    @Option(help: "Write image-spectrum.png, kernel-spectrum.png and product-spectrum.png here: log(1+|·|), centred, with frequency ticks and a colour bar.")
    var spectra: String?

    @Option(help: "Threads (default: every active core).")
    var threads: Int?

    func run() throws {
        let kernels = try KernelSpecification.parse(kernel)
        guard kernels.count == 1, let chosen = kernels.first, !chosen.isOneDimensional else {
            throw SpectralConvError.invalidArgument("--kernel '\(kernel)' gives \(kernels.count) kernel(s)\(kernels.first?.isOneDimensional == true ? " (1-D)" : ""); filter needs exactly one 2-D kernel")
        }
        let picture = try SyntheticImage.named(image) ?? PNGImage(contentsOf: image)
        let engine = try ConvolutionEngine(threads: threads)
        let result = try ImageFiltering.filter(picture, kernel: chosen, engine: engine)
        let kind = picture.channels == 3 ? "RGB" : "gray"
        print("filter: \(image) \(picture.width)x\(picture.height) \(kind) * \(chosen.name) (\(chosen.height)x\(chosen.width), convolution)")
        print(String(format: "max |spatial − spectral| = %.3g (pixel values in [0, 1]; spatial Float, spectral Double, transform %dx%d)",
                     result.maxDifference, result.transformSize.columns, result.transformSize.rows))
        if let out {
            let mapping = ImageFiltering.outputMapping(for: chosen)
            try ImageFiltering.image(from: result.spatial, mapping: mapping).write(to: out)
            print("wrote \(out) (\(mapping == .signed ? "zero-sum kernel: 0 is mid-grey, the 99th percentile of |y| black/white" : "clamped to [0, 1]"))")
        }
        if let spectra {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: spectra, isDirectory: &isDirectory) {
                do { try FileManager.default.createDirectory(atPath: spectra, withIntermediateDirectories: true) } catch {
                    throw SpectralConvError.io(path: spectra, reason: "cannot create the directory: \(error.localizedDescription)")
                }
            } else if !isDirectory.boolValue {
                throw SpectralConvError.io(path: spectra, reason: "exists and is not a directory")
            }
            let (rows, columns) = result.transformSize
            let grid = "\(columns)×\(rows) TRANSFORM, DC AT CENTRE"
            let image = picture.channels == 3 ? "X: MEAN OF THE R, G, B SPECTRA" : "X: IMAGE SPECTRUM"
            let figures = [("image-spectrum.png", result.imageMagnitude, "IMAGE  LOG(1+|X|)", [grid, image]),
                           ("kernel-spectrum.png", result.kernelMagnitude, "KERNEL \(chosen.name)  LOG(1+|K|)", [grid, "K: KERNEL SPECTRUM"]),
                           ("product-spectrum.png", result.productMagnitude, "PRODUCT  LOG(1+|X|×|K|)", [grid, "SPECTRUM OF X CONVOLVED WITH K"])]
            for (name, magnitude, title, caption) in figures {
                let path = (spectra as NSString).appendingPathComponent(name)
                try ImageFiltering.spectrumFigure(magnitude, rows: rows, columns: columns, title: title, caption: caption).image.write(to: path)
                print("wrote \(path)")
            }
        }
    }
}
