/// An RGB raster to draw figures on: rectangles, text in ``BitmapFont``, colour-mapped grids.
public struct Canvas: Sendable {
    /// Width and height in pixels.
    public let width: Int, height: Int
    /// `height · width · 3` samples, row-major RGB.
    public private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: RGB = RGB(255, 255, 255)) {
        precondition(width > 0 && height > 0, "canvas size must be positive, got \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    /// Sets one pixel (ignored outside the canvas).
    public mutating func set(x: Int, y: Int, _ color: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let offset = (y * width + x) * 3
        pixels[offset] = color.red
        pixels[offset + 1] = color.green
        pixels[offset + 2] = color.blue
    }

    /// Fills a rectangle (clipped to the canvas).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        for row in max(0, y)..<max(max(0, y), min(height, y + h)) {
            for column in max(0, x)..<max(max(0, x), min(width, x + w)) { set(x: column, y: row, color) }
        }
    }

    /// A one-pixel rectangle outline.
    public mutating func stroke(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        fill(x: x, y: y, width: w, height: 1, color: color)
        fill(x: x, y: y + h - 1, width: w, height: 1, color: color)
        fill(x: x, y: y, width: 1, height: h, color: color)
        fill(x: x + w - 1, y: y, width: 1, height: h, color: color)
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGB = RGB(0, 0, 0), scale: Int = 1) {
        var cursor = x
        for character in text {
            let glyph = BitmapFont.glyph(character)
            for (row, bits) in glyph.enumerated() {
                for column in 0..<BitmapFont.width where bits & (1 << (BitmapFont.width - 1 - column)) != 0 {
                    fill(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            cursor += (BitmapFont.width + 1) * scale
        }
    }

    /// Pixel width of `text` at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { BitmapFont.textWidth(text) * scale }

    /// Height of a text line at `scale`.
    public static func textHeight(scale: Int = 1) -> Int { BitmapFont.height * scale }

    /// Draws a `rows × columns` grid of values (row-major) into the rectangle, each value mapped
    /// to `[0, 1]` by `normalise` and coloured by `map` (nearest-neighbour scaling).
    public mutating func drawGrid(_ values: [Double], rows: Int, columns: Int, x: Int, y: Int, width w: Int, height h: Int,
                                  map: ColorMap, normalise: (Double) -> Double) {
        for py in 0..<h {
            let row = min(rows - 1, py * rows / h)
            for px in 0..<w {
                let column = min(columns - 1, px * columns / w)
                set(x: x + px, y: y + py, map.color(at: normalise(values[row * columns + column])))
            }
        }
    }

    /// The canvas as an RGB ``PNGImage``.
    public var image: PNGImage { PNGImage(width: width, height: height, channels: 3, pixels: pixels) }
}
