/// A seeded pseudo-random generator (SplitMix64, Steele–Lea–Flood 2014) for reproducible simulations.
///
/// Guarantees: the same seed gives the same sequence on every platform and build. Not for cryptography and not
/// used in anything consensus-critical.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// True with probability `perMillion / 1_000_000`.
    public mutating func chance(perMillion: UInt32) -> Bool {
        perMillion > 0 && next() % 1_000_000 < UInt64(perMillion)
    }

    /// Uniform in `0...bound` (slightly biased for huge bounds; irrelevant for link delays).
    public mutating func upTo(_ bound: UInt64) -> UInt64 { bound == 0 ? 0 : next() % (bound &+ 1) }
}
