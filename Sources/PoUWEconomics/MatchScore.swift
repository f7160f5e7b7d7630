/// How well a ticket's preferences fit a task, as a Q32 fixed-point fraction in [0, 1] (`one` = 2³²).
///
/// Rule (all integer, floors everywhere):
/// - Hard constraints first; any miss gives 0 (never eligible). Compute roles: the task's model type is one
///   of the ticket's, `datasetBytes ≤ maxDatasetBytes`, `gpuCount ≥ minGPUCount`, `gpuMemoryMiB ≥
///   minGPUMemoryMiB`. Supervisors: `storageBytes ≥ stored(storageBytes required)` under the ticket's
///   redundancy, `bandwidthMbps ≥ minBandwidthMbps`, `faultsTolerated ≥ minFaultsTolerated`.
/// - Then the mean of three fit terms, each `fit(need, offer) = need == 0 ? one : floor(need × one / offer)`
///   (how much of what is offered the task uses). Compute: `one / modelTypes.count` (specialisation — the
///   one-hot analogue of the reference PoC's cosine similarity), `fit(datasetBytes, maxDatasetBytes)`,
///   `fit(minGPUCount × minGPUMemoryMiB, gpuCount × gpuMemoryMiB)`. Storage: `fit(stored, storageBytes)`,
///   `fit(minBandwidthMbps, bandwidthMbps)`, `fit(minFaultsTolerated, faultsTolerated)`.
public struct MatchScore: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1.0 in Q32.
    public static let one: UInt64 = 1 << 32
    public static let zero = MatchScore(q32: 0)

    /// The score times 2³², in 0…2³².
    public let q32: UInt64

    public init(q32: UInt64) {
        precondition(q32 <= MatchScore.one, "MatchScore above one")
        self.q32 = q32
    }

    /// A ticket whose draw's ratio is `ratioQ64 / 2⁶⁴` is eligible iff `ratio < score` (so the chance is exactly
    /// the score, and a score of 0 never admits).
    public func admits(ratioQ64: UInt64) -> Bool {
        q32 >= MatchScore.one || ratioQ64 < q32 << 32
    }

    public static func < (lhs: MatchScore, rhs: MatchScore) -> Bool { lhs.q32 < rhs.q32 }

    /// Decimal with six places, for tables.
    public var description: String {
        let micro = (q32 * 1_000_000) >> 32
        let fraction = String(micro % 1_000_000)
        return "\(micro / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// The score of `preferences` for `requirements`.
    public static func of(_ preferences: Preferences, for requirements: TaskRequirements) -> MatchScore {
        switch preferences {
        case .compute(let c): compute(c, requirements)
        case .storage(let s): storage(s, requirements)
        }
    }

    static func fit(_ need: UInt128, _ offer: UInt128) -> UInt64 {
        if need == 0 { return one }
        // Hard constraints guarantee need ≤ offer, so the result is ≤ one.
        return UInt64(need * UInt128(one) / offer)
    }

    private static func mean(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> MatchScore {
        MatchScore(q32: (a + b + c) / 3)
    }

    private static func compute(_ c: ComputePreferences, _ r: TaskRequirements) -> MatchScore {
        guard c.modelTypes.contains(r.modelType), r.datasetBytes <= c.maxDatasetBytes, c.gpuCount >= r.minGPUCount,
            c.gpuMemoryMiB >= r.minGPUMemoryMiB
        else { return .zero }
        let specialisation = one / UInt64(c.modelTypes.count)
        let dataset = fit(UInt128(r.datasetBytes), UInt128(c.maxDatasetBytes))
        let gpu = fit(
            UInt128(r.minGPUCount) * UInt128(r.minGPUMemoryMiB),
            UInt128(c.gpuCount) * UInt128(c.gpuMemoryMiB)
        )
        return mean(specialisation, dataset, gpu)
    }

    private static func storage(_ s: StoragePreferences, _ r: TaskRequirements) -> MatchScore {
        let stored = s.redundancy.storedBytes(for: r.storageBytes)
        let faults = s.redundancy.faultsTolerated
        guard stored <= UInt128(s.storageBytes), s.bandwidthMbps >= r.minBandwidthMbps, faults >= r.minFaultsTolerated
        else { return .zero }
        return mean(
            fit(stored, UInt128(s.storageBytes)),
            fit(UInt128(r.minBandwidthMbps), UInt128(s.bandwidthMbps)),
            fit(UInt128(r.minFaultsTolerated), UInt128(faults))
        )
    }
}
