import PoUWCore

/// A binary min-heap of mempool eviction keys: the top is the entry a full pool drops first (the lowest fee
/// rate; among equal rates the latest arrival). Push and pop are O(log n).
///
/// Guarantees: `min` is always the least key pushed and not yet popped, by `Key.<`.
struct FeeRateHeap: Sendable {
    /// Where an entry stands for eviction. Arrival numbers are unique, so the order is total.
    struct Key: Sendable, Equatable, Comparable {
        var feeRate: UInt64
        var arrival: UInt64
        var id: Hash256

        /// `a < b`: `a` is evicted before `b`.
        static func < (a: Key, b: Key) -> Bool {
            a.feeRate != b.feeRate ? a.feeRate < b.feeRate : a.arrival > b.arrival
        }
    }

    private var items: [Key] = []

    var count: Int { items.count }
    var min: Key? { items.first }

    mutating func push(_ key: Key) {
        items.append(key)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func popMin() -> Key? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var least = parent
            if left < items.count && items[left] < items[least] { least = left }
            if right < items.count && items[right] < items[least] { least = right }
            if least == parent { break }
            items.swapAt(parent, least)
            parent = least
        }
        return top
    }
}
