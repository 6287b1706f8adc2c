import CZlib
import Glibc
import SpectralConv

/// Sequential reading of a gzip-compressed or plain file through zlib's `gzopen`/`gzread`
/// (which pass plain files through unchanged). Owns the zlib handle and closes it in `deinit`.
final class GzipReader {
    /// The file, for error messages.
    let path: String
    private let handle: gzFile

    /// Opens `path` for reading.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when the file is missing, unreadable or a directory.
    init(path: String) throws(SpectralConvError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw .io(path: path, reason: "cannot open for reading: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) != S_IFDIR else {
            throw .io(path: path, reason: "is a directory, not a data file")
        }
        guard let handle = gzopen(path, "rb") else {
            throw .io(path: path, reason: "cannot open for reading: \(String(cString: strerror(errno)))")
        }
        gzbuffer(handle, 1 << 18)
        self.path = path
        self.handle = handle
    }

    deinit { gzclose(handle) }

    /// Whether the file is plain (not gzip data). Meaningful after the first read.
    var isPlain: Bool { gzdirect(handle) != 0 }

    /// Reads until `buffer` is full or the data ends; returns the number of bytes read.
    /// - Throws: ``SpectralConvError/invalidFormat(path:reason:)`` for corrupt gzip data,
    ///   ``SpectralConvError/io(path:reason:)`` for a read error.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SpectralConvError) -> Int {
        var done = 0
        while done < buffer.count {
            let want = UInt32(min(buffer.count - done, 1 << 30))
            let got = gzread(handle, buffer.baseAddress! + done, want)
            if got < 0 { throw failure() }
            if got == 0 {
                // End of data — or a gzip stream that stops early, which zlib reports as Z_BUF_ERROR.
                var code: Int32 = Z_OK
                _ = gzerror(handle, &code)
                if code != Z_OK { throw failure() }
                break
            }
            done += Int(got)
        }
        return done
    }

    /// Reads exactly `count` bytes, or as many as the file has.
    func read(count: Int) throws(SpectralConvError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { raw in
            Result { () throws(SpectralConvError) -> Int in try read(into: raw) }
        }.get()
        if got < count { bytes.removeLast(count - got) }
        return bytes
    }

    /// Whether any byte remains after what has been read (reading on to the end also makes zlib
    /// check the gzip trailer's CRC and length).
    func hasMoreData() throws(SpectralConvError) -> Bool {
        var byte: UInt8 = 0
        return try withUnsafeMutableBytes(of: &byte) { raw in
            Result { () throws(SpectralConvError) -> Int in try read(into: raw) }
        }.get() > 0
    }

    private func failure() -> SpectralConvError {
        var code: Int32 = Z_OK
        let message = gzerror(handle, &code).map { String(cString: $0) } ?? "unknown error"
        switch code {
        case Z_ERRNO:
            return .io(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        case Z_BUF_ERROR:
            return .invalidFormat(path: path, reason: "gzip data is truncated (\(message)); expected a complete gzip stream")
        default:
            return .invalidFormat(path: path, reason: "corrupt gzip data (\(message)); expected a valid gzip stream")
        }
    }
}
