import Foundation
import SpectralConv

/// How `bench sweep` shows where it is, on stderr: a progress bar redrawn in place on a terminal
/// (at most ten times a second), otherwise one plain line per configuration.
final class SweepProgress {
    private let terminal: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant?
    private var lastPoint: SweepBenchmark.Point?
    private var drawn = false

    init(terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.terminal = terminal
        start = clock.now
    }

    func update(_ progress: SweepBenchmark.Progress) {
        let elapsed = TimingSummary.milliseconds(clock.now - start) / 1e3
        if !terminal {
            guard let point = progress.point, point != lastPoint else { return }
            lastPoint = point
            write(String(format: "[%d/%d] %@ (%.0f s)\n", progress.completed, progress.total, point.description, elapsed))
            return
        }
        let now = clock.now
        if progress.point != nil, let lastDraw, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        guard let point = progress.point else { finish(); return }
        let width = 30
        let filled = width * progress.completed / max(progress.total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let eta = progress.completed > 0 ? elapsed / Double(progress.completed) * Double(progress.total - progress.completed) : 0
        let doing = progress.algorithm.map { " \($0)" } ?? ""
        write(String(format: "\r\u{1B}[2K[%@] %d/%d %.0f s, ~%.0f s left  %@%@", bar, progress.completed, progress.total,
                     elapsed, eta, point.description, doing))
        drawn = true
    }

    func finish() {
        guard terminal, drawn else { return }
        write("\r\u{1B}[2K")
        drawn = false
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
