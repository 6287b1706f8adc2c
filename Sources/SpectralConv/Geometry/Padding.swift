/// How much zero padding surrounds the input of a convolution.
///
/// - ``valid``: none; the kernel stays inside the input (Keras `'valid'`, PyTorch `padding=0`).
/// - ``same``: TensorFlow/Keras `'same'`: output extent `ceil(n / s)`; the total padding
///   `max((ceil(n/s) − 1)·s + d·(k−1) + 1 − n, 0)` is split with the odd unit at the bottom/right.
///   With stride 1 this equals PyTorch's `padding='same'`.
/// - ``full``: `d·(k−1)` on every side, so every partial overlap produces an output
///   (the seed document's Keras 1 `border_mode='full'`; output `n + d·(k−1)` at stride 1).
/// - ``explicit(top:bottom:left:right:)``: the given counts of zeros per side (PyTorch's `padding`
///   with per-side control, as `F.pad` gives). A 1-D convolution uses `left`/`right` and needs
///   `top == bottom == 0`.
public enum Padding: Sendable, Hashable, CustomStringConvertible {
    case valid
    case same
    case full
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// `p` zeros on every side.
    public static func symmetric(_ p: Int) -> Padding { .explicit(top: p, bottom: p, left: p, right: p) }

    /// `height` zeros above and below, `width` zeros left and right (PyTorch's `padding=(ph, pw)`).
    public static func symmetric(height: Int, width: Int) -> Padding {
        .explicit(top: height, bottom: height, left: width, right: width)
    }

    /// Parses the command-line spelling: `valid`, `same`, `full`, `P` (every side),
    /// `PH,PW` (height, width — for 1-D input: left, right) or `T,B,L,R`; whitespace around keywords and
    /// numbers is ignored.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for anything else or a negative count.
    public init(parsing text: String, oneDimensional: Bool = false) throws(SpectralConvError) {
        switch text[...].trimmingWhitespace.lowercased() {
        case "valid": self = .valid; return
        case "same": self = .same; return
        case "full": self = .full; return
        default: break
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var values: [Int] = []
        for part in parts {
            guard let value = Int(part.trimmingWhitespace), value >= 0 else {
                throw .invalidArgument(
                    "padding '\(text)' is not valid, same, full, P, PH,PW or T,B,L,R with non-negative integers")
            }
            values.append(value)
        }
        switch values.count {
        case 1: self = oneDimensional ? .explicit(top: 0, bottom: 0, left: values[0], right: values[0]) : .symmetric(values[0])
        case 2:
            self = oneDimensional
                ? .explicit(top: 0, bottom: 0, left: values[0], right: values[1])
                : .symmetric(height: values[0], width: values[1])
        case 4: self = .explicit(top: values[0], bottom: values[1], left: values[2], right: values[3])
        default:
            throw .invalidArgument("padding '\(text)' has \(values.count) numbers; expected 1, 2 or 4")
        }
    }

    public var description: String {
        switch self {
        case .valid: return "valid"
        case .same: return "same"
        case .full: return "full"
        case .explicit(let top, let bottom, let left, let right):
            if top == bottom && bottom == left && left == right { return "\(top)" }
            return "\(top),\(bottom),\(left),\(right)"
        }
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var result = self
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
