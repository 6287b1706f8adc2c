/// Transform lengths FFTW computes fastest: `2^a · 3^b · 5^c · 7^d` (FFTW has hard-coded codelets for
/// these radices; a length with a large prime factor falls back to slower generic algorithms).
///
/// The convolution path uses only the **even** ones (``nextFastEven(_:)``, ``evenFastLengths(in:)``):
/// FFTW's real-data transforms (r2c/c2r) are built on a half-length complex transform when the
/// length is even; an odd length takes a generic, much slower route (on this project's machines
/// the FFT path ran 27×27 and 63×63 tiles at several times the per-point cost of 28×28 or 64×64,
/// up to 10× and more in the batched guru plans), so rounding up to the next even fast length never
/// costs more than the one extra row or column it adds.
public enum FFTSize {
    /// The smallest `2^a · 3^b · 5^c · 7^d` that is ≥ `n` (1 for n ≤ 1).
    ///
    /// e.g. 58 → 60, 64 → 64, 97 → 98, 513 → 525.
    public static func nextFast(_ n: Int) -> Int {
        var candidate = max(n, 1)
        while !isFast(candidate) { candidate += 1 }
        return candidate
    }

    /// The smallest even `2^a · 3^b · 5^c · 7^d` (a ≥ 1) that is ≥ `n` (2 for n ≤ 2).
    ///
    /// e.g. 27 → 28, 63 → 64, 65 → 70, 135 → 140, 513 → 540.
    public static func nextFastEven(_ n: Int) -> Int {
        var candidate = max(n, 2)
        if candidate % 2 == 1 { candidate += 1 }
        while !isFast(candidate) { candidate += 2 }
        return candidate
    }

    /// Whether `n` (≥ 1) has no prime factor above 7.
    public static func isFast(_ n: Int) -> Bool {
        guard n >= 1 else { return false }
        var rest = n
        for prime in [2, 3, 5, 7] {
            while rest % prime == 0 { rest /= prime }
        }
        return rest == 1
    }

    /// Every fast length in `range`, ascending.
    public static func fastLengths(in range: ClosedRange<Int>) -> [Int] {
        range.filter(isFast)
    }

    /// Every even fast length in `range`, ascending.
    public static func evenFastLengths(in range: ClosedRange<Int>) -> [Int] {
        range.filter { $0 % 2 == 0 && isFast($0) }
    }
}
