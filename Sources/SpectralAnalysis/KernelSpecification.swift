import Foundation
import SpectralConv

/// The KERNEL argument of `spectralconv spectrum` and `filter --kernel`: where kernels come from.
///
/// | form | example | kernels |
/// |---|---|---|
/// | preset | `gaussian:5:1.0`, `sobel-x`, `gabor:15:30:4:2` | one (see ``KernelPreset``) |
/// | literal matrix | `[[1,2,1],[0,0,0],[-1,-2,-1]]`, `[1,2,1]/4` | one; a flat list is 1-D; `/d` divides every weight |
/// | NumPy file | `w.npy` | `[K]` or `[kH, kW]`: one; `[O, C, K]` or `[O, C, kH, kW]`: every `[o, c]` |
/// | safetensors tensor | `ckpt.safetensors:conv1.weight` | as for .npy, from the named tensor |
public enum KernelSpecification {
    /// One line of the forms, for help texts.
    public static let syntax = """
        preset (\(KernelPreset.names.joined(separator: ", ")); parameters after colons: box:5, gaussian:5:1.0, log:9:1.4, dog:9:1:2, gabor:15:30:4:2 = k:θ°:λ:σ, identity[:k]), \
        a literal matrix ([[1,2,1],[0,0,0],[-1,-2,-1]] or 1-D [1,2,1]/4), FILE.npy ([K], [kH,kW], [O,C,K] or [O,C,kH,kW]: every kernel), \
        or FILE.safetensors:TENSOR
        """

    /// The most kernels one source may yield.
    public static let maximumKernelCount = 65_536

    /// The kernels `spec` names.
    /// - Throws: ``SpectralConvError`` — `invalidArgument` for an unknown preset, bad parameters,
    ///   a malformed literal or a missing tensor name; `invalidShape` for an array of the wrong
    ///   rank; `io`/`invalidFormat` for unreadable or corrupt files.
    public static func parse(_ spec: String) throws(SpectralConvError) -> [SpectralKernel] {
        let text = spec.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .invalidArgument("empty kernel spec; expected \(syntax)") }
        if text.hasPrefix("[") { return [try literal(text)] }
        if let range = text.range(of: ".safetensors:", options: [.caseInsensitive]) {
            let path = String(text[..<range.lowerBound]) + String(text[range.lowerBound..<range.upperBound].dropLast())
            let name = String(text[range.upperBound...])
            let file = try SafetensorsFile(contentsOf: path)
            return try kernels(from: try file.tensor(named: name), source: "\(path):\(name)")
        }
        if text.lowercased().hasSuffix(".safetensors") {
            let file = try SafetensorsFile(contentsOf: text)
            throw .invalidArgument("name a tensor of \(text): \(text):NAME, one of \(file.entries.keys.sorted().prefix(20).joined(separator: ", "))")
        }
        if text.lowercased().hasSuffix(".npy") {
            return try kernels(from: try NPY.read(contentsOf: text).tensor(as: Double.self), source: text)
        }
        if let kernel = try KernelPreset.make(text) { return [kernel] }
        throw .invalidArgument("unknown kernel '\(text)'; expected \(syntax)")
    }

    /// Splits an array into kernels by rank: `[K]` → one 1-D, `[kH, kW]` → one 2-D,
    /// `[O, C, K]` → O·C 1-D, `[O, C, kH, kW]` → O·C 2-D kernels named `source[o,c]`.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` for any other rank or an empty extent.
    public static func kernels(from tensor: Tensor<Double>, source: String) throws(SpectralConvError) -> [SpectralKernel] {
        let shape = tensor.shape
        guard (1...4).contains(shape.count), shape.allSatisfy({ $0 >= 1 }) else {
            throw .invalidShape("\(source) has shape \(shape); expected rank 1 [K], 2 [kH, kW], 3 [O, C, K] or 4 [O, C, kH, kW] with non-empty extents")
        }
        switch shape.count {
        case 1: return [try SpectralKernel(name: source, weights: try tensor.reshaped([1, shape[0]]), oneDimensional: true)]
        case 2: return [try SpectralKernel(name: source, weights: tensor)]
        default:
            let (o, c) = (shape[0], shape[1])
            guard o * c <= maximumKernelCount else {
                throw .invalidShape("\(source) holds \(o * c) kernels; at most \(maximumKernelCount) are analysed at once")
            }
            let kernelShape = shape.count == 3 ? [1, shape[2]] : [shape[2], shape[3]]
            let size = kernelShape[0] * kernelShape[1]
            var result: [SpectralKernel] = []
            for outer in 0..<o {
                for inner in 0..<c {
                    let start = (outer * c + inner) * size
                    let weights = try Tensor(shape: kernelShape, scalars: Array(tensor.scalars[start..<(start + size)]))
                    result.append(try SpectralKernel(name: "\(source)[\(outer),\(inner)]", index: [outer, inner], weights: weights,
                                                     oneDimensional: shape.count == 3))
                }
            }
            return result
        }
    }

    /// `[[1,2,1],[0,0,0],[-1,-2,-1]]` (rows), `[1,2,1]` (1-D), each optionally followed by `/divisor`.
    private static func literal(_ text: String) throws(SpectralConvError) -> SpectralKernel {
        let form = "a literal like [[1,2,1],[0,0,0],[-1,-2,-1]] or [1,2,1]/4"
        var body = text, divisor = 1.0
        if let slash = text.lastIndex(of: "/"), let close = text.lastIndex(of: "]"), slash > close {
            guard let value = Double(text[text.index(after: slash)...].trimmingCharacters(in: .whitespaces)), value.isFinite, value != 0 else {
                throw .invalidArgument("'\(text)': the divisor after '/' must be a non-zero number; expected \(form)")
            }
            divisor = value
            body = String(text[..<slash])
        }
        guard !body.lowercased().contains(where: { $0.isLetter && $0 != "e" }),
              let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) else {
            throw .invalidArgument("'\(text)' is not a valid matrix; expected \(form)")
        }
        func number(_ value: Any) -> Double? {
            (value as? NSNumber)?.doubleValue
        }
        let rows: [[Double]]
        let oneDimensional: Bool
        if let flat = object as? [Any], let values = Optional(flat.compactMap(number)), values.count == flat.count, !values.isEmpty {
            rows = [values]
            oneDimensional = true
        } else if let nested = object as? [[Any]], !nested.isEmpty {
            rows = nested.map { $0.compactMap(number) }
            guard zip(rows, nested).allSatisfy({ $0.count == $1.count }), let width = rows.first?.count, width > 0,
                  rows.allSatisfy({ $0.count == width }) else {
                throw .invalidArgument("'\(text)': every row must hold the same, non-zero number of numbers; expected \(form)")
            }
            oneDimensional = false
        } else {
            throw .invalidArgument("'\(text)' is not a list of numbers or a list of rows; expected \(form)")
        }
        let weights = try Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { $0 }.map { $0 / divisor })
        return try SpectralKernel(name: text, weights: weights, oneDimensional: oneDimensional)
    }
}
