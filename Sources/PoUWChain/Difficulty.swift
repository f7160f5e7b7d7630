/// The difficulty retarget rule (PROTOCOL.md "Chain", paicoin's rule).
///
/// Every `retargetInterval` blocks the target is scaled by `actual ÷ expected` over the last `retargetInterval`
/// inter-block gaps, where each gap is first bounded: a negative gap counts as 0, and a gap longer than
/// `4 × targetSpacing` counts as exactly one spacing (so a pause in training does not crash the difficulty).
/// The ratio is clamped to ×¼…×4 and the result never exceeds the proof-of-work limit. Between retargets the
/// bits are the parent's. Guarantees: integer arithmetic only; the same inputs give the same bits everywhere.
public enum Difficulty {
    /// The gap a retarget counts for two consecutive timestamps.
    public static func countedGap(from earlier: UInt64, to later: UInt64, spacing: UInt64) -> UInt64 {
        guard later > earlier else { return 0 }
        let gap = later - earlier
        return gap > 4 * spacing ? spacing : gap
    }

    /// The bits a block at `height` must carry.
    ///
    /// - Parameters:
    ///   - parentBits: the parent's bits.
    ///   - recentTimes: the timestamps of up to `retargetInterval + 1` blocks ending with the parent, oldest
    ///     first (fewer near genesis).
    public static func nextBits(
        height: UInt64,
        parentBits: UInt32,
        recentTimes: [UInt64],
        parameters: ChainParameters
    ) throws(CompactTarget.Error) -> UInt32 {
        let interval = parameters.retargetInterval
        guard height > 0, height % interval == 0, recentTimes.count >= 2 else { return parentBits }
        let times = recentTimes.suffix(Int(interval) + 1)
        var actual: UInt64 = 0
        for (earlier, later) in zip(times, times.dropFirst()) {
            actual += countedGap(from: earlier, to: later, spacing: parameters.targetSpacing)
        }
        let expected = UInt64(times.count - 1) * parameters.targetSpacing
        actual = min(max(actual, expected / 4), expected * 4)
        let old = try CompactTarget.decode(parentBits)
        let limit = try CompactTarget.decode(parameters.powLimitBits)
        let (scaled, overflow) = old.multipliedReportingOverflow(by: actual)
        if overflow { return parameters.powLimitBits }
        var next = scaled.quotientAndRemainder(dividingBy: expected).quotient
        if next > limit { next = limit }
        if next.isZero { next = .one }
        return CompactTarget.encode(next)
    }
}
