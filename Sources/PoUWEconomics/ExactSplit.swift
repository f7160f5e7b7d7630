/// Splits an integer amount among keys so that the parts add up to the amount exactly.
///
/// Rule (largest remainder, Hamilton's method): each key first gets `floor(total × wᵢ / Σw)`; the units left
/// over (fewer than the number of keys) go one each to the keys with the largest fractional remainders
/// `total × wᵢ mod Σw`, ties broken by ascending key. Deterministic, and `Σ parts = total` always.
public enum ExactSplit {
    /// `total` split in proportion to `weights`; `nil` when every weight is zero or `weights` is empty (the
    /// caller decides where such an amount goes). Keys must be unique (a programmer error otherwise).
    public static func proportional<Key: Comparable & Hashable>(
        _ total: UInt64,
        weights: [(key: Key, weight: UInt64)]
    ) -> [Key: UInt64]? {
        precondition(Set(weights.map(\.key)).count == weights.count, "ExactSplit: duplicate keys")
        let weightSum = weights.reduce(UInt128(0)) { $0 + UInt128($1.weight) }
        guard weightSum > 0 else { return nil }
        var parts: [Key: UInt64] = [:]
        var remainders: [(key: Key, remainder: UInt128)] = []
        var assigned: UInt64 = 0
        for (key, weight) in weights {
            let product = UInt128(total) * UInt128(weight)
            // product / weightSum ≤ total, so it fits 64 bits.
            let part = UInt64(product / weightSum)
            parts[key] = part
            assigned += part
            remainders.append((key, product % weightSum))
        }
        var leftover = total - assigned
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.key < $1.key }
        var index = 0
        while leftover > 0 {
            parts[remainders[index].key, default: 0] += 1
            leftover -= 1
            index += 1
        }
        return parts
    }

    /// `total` split equally among `keys` (leftover units to the lowest keys); `nil` when `keys` is empty.
    public static func equal<Key: Comparable & Hashable>(_ total: UInt64, among keys: [Key]) -> [Key: UInt64]? {
        proportional(total, weights: keys.map { (key: $0, weight: 1) })
    }
}
