import Foundation

/// One image's geometric transform, applied as Keras's `apply_affine_transform` then flips.
///
/// Output pixel p = (row, column) samples the input at `c + R(θ)·(p − c + t)`, with c the centre
/// `((H − 1)/2, (W − 1)/2)`, R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]] acting on (row, column) and
/// t = (rowShift, columnShift) — `transform_matrix_offset_center(rotation · shift)` fed to
/// `scipy.ndimage.affine_transform` with `order=1, mode='nearest'`: bilinear interpolation whose
/// neighbours are clamped to the border. Integer shifts without rotation copy pixels exactly.
struct ImageTransform: Equatable {
    var rotationDegrees = 0.0
    var rowShift = 0.0
    var columnShift = 0.0
    var flipHorizontally = false
    var flipVertically = false

    var isAffineIdentity: Bool { rotationDegrees == 0 && rowShift == 0 && columnShift == 0 }

    /// Writes the transformed `[C, H, W]` image `source` into `target`.
    func apply(source: UnsafeBufferPointer<Float>, target: UnsafeMutableBufferPointer<Float>, channels: Int, height: Int, width: Int) {
        let plane = height * width
        if isAffineIdentity {
            for index in 0..<(channels * plane) { target[index] = source[index] }
        } else {
            let theta = rotationDegrees * .pi / 180
            let (cosine, sine) = (cos(theta), sin(theta))
            let (centreRow, centreColumn) = (Double(height - 1) / 2, Double(width - 1) / 2)
            for row in 0..<height {
                let y = Double(row) - centreRow + rowShift
                for column in 0..<width {
                    let x = Double(column) - centreColumn + columnShift
                    let sourceRow = centreRow + cosine * y - sine * x
                    let sourceColumn = centreColumn + sine * y + cosine * x
                    let row0 = Int(sourceRow.rounded(.down)), column0 = Int(sourceColumn.rounded(.down))
                    let fy = Float(sourceRow - Double(row0)), fx = Float(sourceColumn - Double(column0))
                    let r0 = min(max(row0, 0), height - 1), r1 = min(max(row0 + 1, 0), height - 1)
                    let c0 = min(max(column0, 0), width - 1), c1 = min(max(column0 + 1, 0), width - 1)
                    for channel in 0..<channels {
                        let base = channel * plane
                        let top = source[base + r0 * width + c0] * (1 - fx) + source[base + r0 * width + c1] * fx
                        let bottom = source[base + r1 * width + c0] * (1 - fx) + source[base + r1 * width + c1] * fx
                        target[base + row * width + column] = top * (1 - fy) + bottom * fy
                    }
                }
            }
        }
        if flipHorizontally {
            for line in 0..<(channels * height) {
                var (left, right) = (line * width, line * width + width - 1)
                while left < right {
                    target.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
        }
        if flipVertically {
            for channel in 0..<channels {
                var (top, bottom) = (0, height - 1)
                while top < bottom {
                    for column in 0..<width {
                        target.swapAt(channel * plane + top * width + column, channel * plane + bottom * width + column)
                    }
                    top += 1
                    bottom -= 1
                }
            }
        }
    }
}
