/// The engine's only source of randomness: a counter-based generator (SplitMix64's finaliser applied to a
/// Weyl sequence), so any value can be computed directly from `(seed, stream, counter)` without stepping.
///
/// Definition: `key = mix(seed ⊕ mix(stream + γ))`, `value(counter) = mix(key + (counter + 1)·γ)` with
/// `γ = 0x9E3779B97F4A7C15` and `mix` SplitMix64's finaliser (`z ⊕= z>>30; z ×= 0xBF58476D1CE4E5B9; z ⊕= z>>27;
/// z ×= 0x94D049BB133111EB; z ⊕= z>>31`), all arithmetic modulo 2^64. Guarantees: pure function of its inputs,
/// identical on every platform; streams (one per purpose, see `Stream`) never share values by construction of
/// the key. Not cryptographic.
public struct CounterRandom: Sendable {
    /// What a stream of numbers is used for; each purpose has its own stream.
    public enum Stream: UInt64, Sendable {
        case initialWeights = 1
        case testSplit = 2
        case batchComposition = 3
        case epochOrder = 4
    }

    private static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The stream key.
    public let key: UInt64

    public init(seed: UInt64, stream: Stream, substream: UInt64 = 0) {
        key = Self.mix(seed ^ Self.mix(stream.rawValue &* 0x1_0000 &+ substream &+ Self.gamma))
    }

    /// SplitMix64's output function.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The 64-bit value at `counter`.
    @inline(__always)
    public func value(_ counter: UInt64) -> UInt64 {
        Self.mix(key &+ (counter &+ 1) &* Self.gamma)
    }

    /// A float in `[0, 1)`: the top 24 bits of `value(counter)` times 2^-24 (exact).
    @inline(__always)
    public func unitFloat(_ counter: UInt64) -> Float {
        Float(value(counter) >> 40) * Float(bitPattern: 0x3380_0000)
    }

    /// An integer in `0..<bound` (`bound > 0`): the high word of `value(counter) × bound` (Lemire's
    /// multiply-shift without rejection; the bias is below bound/2^64).
    @inline(__always)
    public func below(_ bound: Int, counter: UInt64) -> Int {
        Int(value(counter).multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A permutation of `0..<count` by Fisher–Yates, `i` from `count − 1` down to 1 swapping with
    /// `below(i + 1, counter: i)`.
    public func permutation(_ count: Int) -> [Int] {
        var p = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = below(i + 1, counter: UInt64(i))
            p.swapAt(i, j)
            i -= 1
        }
        return p
    }
}
