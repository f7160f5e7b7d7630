public import PoUWCore

/// The nonces one iteration message entitles its miner to try (PROTOCOL.md "Mining").
///
/// Precursor `p = SHA-256(stateHashAfter ‖ canonical(update))` (the message's `stateHashAfter` is the model hash
/// after the iteration; `canonical(update)` is the update's nested canonical form, `SparseUpdateWords`), base
/// nonce `n0 = SHA-256(p)` read as a 256-bit big-endian integer, allowed nonces `n0 + j mod 2^256` for
/// `0 ≤ j < size`, `size = max(1, ⌊parameters × batchSize / 2^20⌋)`. Addition wraps modulo 2^256: an interval
/// that starts near 2^256 − 1 continues at 0, so every interval has exactly `size` distinct nonces.
///
/// Guarantees: `nonce(at:)` and `index(of:)` are inverse on `0..<size`; `contains` is true exactly for those
/// nonces.
public struct NonceInterval: Sendable, Hashable {
    /// The base nonce `n0`.
    public let base: Hash256
    /// How many consecutive nonces from `base` are allowed (at least 1).
    public let size: UInt64

    /// The interval of a message for a task whose model has `parameters` trainable parameters and whose batches
    /// hold `batchSize` examples.
    public init(message: UnsignedIterationMessage, parameters: UInt64, batchSize: UInt64) {
        self.init(
            base: Self.baseNonce(stateHashAfter: message.stateHashAfter, update: message.update),
            size: Self.size(parameters: parameters, batchSize: batchSize)
        )
    }

    /// An interval from its parts.
    public init(base: Hash256, size: UInt64) {
        precondition(size >= 1, "a nonce interval holds at least one nonce")
        self.base = base
        self.size = size
    }

    /// `n0 = SHA-256(SHA-256(stateHashAfter ‖ canonical(update)))`.
    public static func baseNonce(stateHashAfter: Hash256, update: SparseUpdateWords) -> Hash256 {
        var precursor = stateHashAfter.bytes
        precursor.append(contentsOf: update.canonicalBytes)
        return Hash256.sha256(Hash256.sha256(precursor).bytes)
    }

    /// `max(1, ⌊parameters × batchSize / 2^20⌋)`, computed without overflow (saturating at `UInt64.max`).
    public static func size(parameters: UInt64, batchSize: UInt64) -> UInt64 {
        let product = parameters.multipliedFullWidth(by: batchSize)
        // ⌊(high·2^64 + low) / 2^20⌋ fits in 64 bits only if high < 2^20.
        if product.high >> 20 != 0 { return .max }
        let quotient = product.high << 44 | product.low >> 20
        return max(1, quotient)
    }

    /// `base + j mod 2^256`; `j` must be below `size`.
    public func nonce(at j: UInt64) -> Hash256 {
        precondition(j < size, "nonce index outside the interval")
        return Wide256.adding(base, j)
    }

    /// The `j` with `nonce(at: j) == nonce`, or `nil` if the nonce is outside the interval.
    public func index(of nonce: Hash256) -> UInt64? {
        guard let difference = Wide256.difference(nonce, base), difference < size else { return nil }
        return difference
    }

    /// True exactly for the `size` allowed nonces.
    public func contains(_ nonce: Hash256) -> Bool { index(of: nonce) != nil }
}

/// 256-bit modular arithmetic on `Hash256` read as a big-endian integer (`w0` most significant), just what the
/// nonce interval needs.
enum Wide256 {
    /// `value + j mod 2^256`.
    static func adding(_ value: Hash256, _ j: UInt64) -> Hash256 {
        let (w3, c3) = value.w3.addingReportingOverflow(j)
        let (w2, c2) = value.w2.addingReportingOverflow(c3 ? 1 : 0)
        let (w1, c1) = value.w1.addingReportingOverflow(c2 ? 1 : 0)
        let w0 = value.w0 &+ (c1 ? 1 : 0)
        return Hash256(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    /// `a − b mod 2^256` if it fits in 64 bits, else `nil`.
    static func difference(_ a: Hash256, _ b: Hash256) -> UInt64? {
        let (d3, b3) = a.w3.subtractingReportingOverflow(b.w3)
        let (d2, b2a) = a.w2.subtractingReportingOverflow(b.w2)
        let (d2b, b2b) = d2.subtractingReportingOverflow(b3 ? 1 : 0)
        let (d1, b1a) = a.w1.subtractingReportingOverflow(b.w1)
        let (d1b, b1b) = d1.subtractingReportingOverflow(b2a || b2b ? 1 : 0)
        let d0 = a.w0 &- b.w0 &- (b1a || b1b ? 1 : 0)
        guard d0 == 0, d1b == 0, d2b == 0 else { return nil }
        return d3
    }
}
