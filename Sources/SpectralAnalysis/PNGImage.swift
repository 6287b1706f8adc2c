import CPNG
import Foundation
import SpectralConv

/// An 8-bit grayscale or RGB image, row-major, channels interleaved — what `spectralconv` reads
/// from and writes to PNG files (through libpng's simplified `png_image` API).
///
/// Reading accepts 8-bit grayscale, 8-bit RGB and palette images without transparency (palettes
/// are expanded to RGB, or to gray when every entry is gray). It refuses, with a typed error,
/// 16-bit images (convert to 8 bits first) and images with an alpha channel or a transparent
/// palette entry (flatten them first): both would need a choice the tool should not make silently.
public struct PNGImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// 1 (gray) or 3 (RGB).
    public let channels: Int
    /// `height · width · channels` samples, row-major, channels interleaved.
    public var pixels: [UInt8]

    /// An image of the given size filled with `value`.
    /// - Precondition: positive sizes, 1 or 3 channels, `pixels.count` matching.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3), "bad image size \(width)x\(height)x\(channels)")
        precondition(pixels.count == width * height * channels, "pixel count \(pixels.count) does not match \(width)x\(height)x\(channels)")
        (self.width, self.height, self.channels, self.pixels) = (width, height, channels, pixels)
    }

    /// Reads the PNG file at `path`.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when it cannot be read,
    ///   ``SpectralConvError/invalidFormat(path:reason:)`` when it is not a PNG or is 16-bit or has alpha.
    public init(contentsOf path: String) throws(SpectralConvError) {
        try self.init(pngData: try BinaryFile.read(path), path: path)
    }

    /// Decodes PNG bytes; `path` names the source in messages.
    public init(pngData bytes: [UInt8], path: String = "<memory>") throws(SpectralConvError) {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw .invalidFormat(path: path, reason: "not a PNG file (no PNG signature); expected an 8-bit grayscale or RGB PNG")
        }
        var image = png_image()
        image.version = cpng_image_version()
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else {
            defer { png_image_free(&image) }
            throw .invalidFormat(path: path, reason: "libpng cannot read it: \(Self.message(of: image))")
        }
        let format = image.format
        if format & cpng_flag_linear() != 0 {
            png_image_free(&image)
            throw .invalidFormat(path: path, reason: "16-bit PNGs are not supported; expected 8 bits per channel (convert it, e.g. `convert in.png -depth 8 out.png`)")
        }
        if format & cpng_flag_alpha() != 0 {
            png_image_free(&image)
            throw .invalidFormat(path: path, reason: "PNGs with an alpha channel or transparency are not supported; expected gray or RGB (flatten it first, e.g. `convert in.png -alpha off out.png`)")
        }
        let channels = format & cpng_flag_color() != 0 ? 3 : 1
        let (width, height) = (Int(image.width), Int(image.height))
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            png_image_free(&image)
            throw .invalidFormat(path: path, reason: "image size \(width)x\(height) is empty or too large")
        }
        image.format = channels == 3 ? cpng_format_rgb() : cpng_format_gray()
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else {
            let reason = Self.message(of: image)
            png_image_free(&image)
            throw .invalidFormat(path: path, reason: "libpng cannot decode it: \(reason)")
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The PNG encoding of the image (8-bit gray or RGB).
    public func pngData() throws(SpectralConvError) -> [UInt8] {
        var image = png_image()
        image.version = cpng_image_version()
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 3 ? cpng_format_rgb() : cpng_format_gray()
        var size = 0
        let sized = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard sized != 0, size > 0 else { throw .backend("libpng cannot encode a \(width)x\(height) image: \(Self.message(of: image))") }
        var output = [UInt8](repeating: 0, count: size)
        let written = output.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw .backend("libpng cannot encode a \(width)x\(height) image: \(Self.message(of: image))") }
        return Array(output.prefix(size))
    }

    /// Writes the image to `path` as PNG, atomically (temporary file + rename).
    public func write(to path: String) throws(SpectralConvError) {
        try BinaryFile.writeAtomically(try pngData(), to: path)
    }

    private static func message(of image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
