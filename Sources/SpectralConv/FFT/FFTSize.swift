/// Transform lengths FFTW computes fastest: `2^a · 3^b · 5^c · 7^d` (FFTW has hard-coded codelets for
/// these radices; a length with a large prime factor falls back to slower generic algorithms).
public enum FFTSize {
    /// The smallest `2^a · 3^b · 5^c · 7^d` that is ≥ `n` (1 for n ≤ 1).
    ///
    /// e.g. 58 → 60, 64 → 64, 97 → 98, 513 → 525.
    public static func nextFast(_ n: Int) -> Int {
        var candidate = max(n, 1)
        while !isFast(candidate) { candidate += 1 }
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
}
