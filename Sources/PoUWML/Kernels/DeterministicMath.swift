/// `exp` and `log` for `Float` built only from IEEE-754 `+ − × ÷` and bit manipulation, so they give the same
/// bits on every platform, build mode and compiler (libm differs between systems and is never used in anything
/// that feeds a hash).
///
/// Construction (ported from musl's `expf`/`logf`, fdlibm lineage, MIT licence):
/// - `exp(x)`: `k = round(x / ln 2)`, `r = (x − k·ln2hi) − k·ln2lo` (Cody–Waite, `k·ln2hi` exact), a degree-2
///   rational Remez approximation on `|r| ≤ ln2/2`, then scaling by `2^k` built from its bit pattern (two steps
///   below `2^-126` so the subnormal result is rounded once). `x > 88.7228317` gives `+∞`, `x ≤ −103.972084` gives
///   `+0`, NaN propagates.
/// - `log(x)`: `x = 2^k·m` with `m ∈ [√2/2, √2)`, `f = m − 1`, `s = f/(2 + f)`, a degree-4 polynomial in `s²`,
///   recombined as `s·(f²/2 + R) + k·ln2lo − f²/2 + f + k·ln2hi`. `x = 0` gives `−∞`, `x < 0` or NaN give NaN,
///   `+∞` gives `+∞`; subnormal inputs are scaled by `2^25` first.
///
/// Measured error against a double-precision reference (see `Docs/training.md` and `DeterministicMathTests`):
/// below 1 ulp over the ranges training uses.
public enum DeterministicMath {
    private static let ln2hi: Float = Float(bitPattern: 0x3f31_7200)
    private static let ln2lo: Float = Float(bitPattern: 0x35bf_be8e)
    private static let invln2: Float = Float(bitPattern: 0x3fb8_aa3b)
    private static let p1: Float = Float(bitPattern: 0x3e2a_aaa8)  // 0xaaaaa8p-26
    private static let p2: Float = -Float(bitPattern: 0x3b35_5215)  // -0xb55215p-32

    /// `e^x`, error below 1 ulp for normal results.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        if x.isNaN { return x }
        let hx = x.bitPattern & 0x7fff_ffff
        let negative = x.bitPattern >> 31 != 0
        if !negative && hx > 0x42b1_7217 { return .infinity }  // x > 88.7228317
        if negative && hx >= 0x42cf_f1b5 { return 0 }  // x ≤ −103.972084
        var k: Int32 = 0
        var hi: Float = x
        var lo: Float = 0
        var r = x
        if hx > 0x3eb1_7218 {  // |x| > ln2/2
            if hx > 0x3f85_1592 {  // |x| > 1.5·ln2
                let half: Float = x < 0 ? -0.5 : 0.5
                k = Int32(invln2 * x + half)  // truncation toward zero, as C's float→int conversion
            } else {
                k = x < 0 ? -1 : 1
            }
            let kf = Float(k)
            hi = x - kf * ln2hi
            lo = kf * ln2lo
            r = hi - lo
        } else if hx <= 0x3900_0000 {  // |x| ≤ 2^-14
            return 1 + x
        } else {
            hi = x
            lo = 0
        }
        let rr = r * r
        let c = r - rr * (p1 + rr * p2)
        let y: Float = 1 + (r * c / (2 - c) - lo + hi)
        if k == 0 { return y }
        return scale(y, k)
    }

    /// `y · 2^k` for `y` near 1 and `k ∈ [−150, 128]`, rounding once.
    @inline(__always)
    private static func scale(_ y: Float, _ k: Int32) -> Float {
        var y = y
        var k = k
        if k > 127 {
            y = y * Float(bitPattern: UInt32(127 + 127) << 23)
            k -= 127
        } else if k < -126 {
            y = y * Float(bitPattern: UInt32(127 - 102) << 23)  // 2^-102 = 2^-126 · 2^24
            k += 102
        }
        return y * Float(bitPattern: UInt32(Int32(127) + k) << 23)
    }

    private static let logLn2hi: Float = Float(bitPattern: 0x3f31_7180)
    private static let logLn2lo: Float = Float(bitPattern: 0x3717_f7d1)
    private static let lg1: Float = Float(bitPattern: 0x3f2a_aaaa)  // 0xaaaaaa.0p-24
    private static let lg2: Float = Float(bitPattern: 0x3ecc_ce13)  // 0xccce13.0p-25
    private static let lg3: Float = Float(bitPattern: 0x3e91_e9ee)  // 0x91e9ee.0p-25
    private static let lg4: Float = Float(bitPattern: 0x3e78_9e26)  // 0xf89e26.0p-26

    /// Natural logarithm, error below 1 ulp.
    @inline(__always)
    public static func log(_ x: Float) -> Float {
        var ix = x.bitPattern
        var k: Int32 = 0
        if ix < 0x0080_0000 || ix >> 31 != 0 {  // x < 2^-126 or sign set
            if ix << 1 == 0 { return -.infinity }
            if ix >> 31 != 0 { return .nan }
            k -= 25  // subnormal: scale up
            ix = (x * Float(bitPattern: 0x4c00_0000)).bitPattern  // 2^25
        } else if ix >= 0x7f80_0000 {
            return x
        } else if ix == 0x3f80_0000 {
            return 0
        }
        // Reduce x into [√2/2, √2).
        ix = ix &+ (0x3f80_0000 - 0x3f35_04f3)
        k += Int32(ix >> 23) - 0x7f
        ix = (ix & 0x007f_ffff) &+ 0x3f35_04f3
        let m = Float(bitPattern: ix)
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s
        let w = z * z
        let t1 = w * (lg2 + w * lg4)
        let t2 = z * (lg1 + w * lg3)
        let r = t2 + t1
        let hfsq = 0.5 * f * f
        let dk = Float(k)
        return s * (hfsq + r) + dk * logLn2lo - hfsq + f + dk * logLn2hi
    }
}
