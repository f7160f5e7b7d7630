/// How the simulated network treats a message on a link.
///
/// Guarantees: a message's fate is drawn from the network's seeded generator in send order, so a run with the
/// same seed, conditions and sends delivers the same messages at the same virtual times.
public struct LinkConditions: Sendable, Hashable {
    /// Fixed one-way delay, microseconds.
    public var latency: UInt64
    /// Extra uniform delay in `0...jitter` microseconds (enough jitter reorders messages by itself).
    public var jitter: UInt64
    /// Probability (per million) that a message is lost.
    public var lossPerMillion: UInt32
    /// Probability (per million) that a message is held back an extra `reorderDelay`, overtaken by later ones.
    public var reorderPerMillion: UInt32
    /// The hold-back of a reordered message, microseconds.
    public var reorderDelay: UInt64

    public init(
        latency: UInt64 = 1_000,
        jitter: UInt64 = 0,
        lossPerMillion: UInt32 = 0,
        reorderPerMillion: UInt32 = 0,
        reorderDelay: UInt64 = 10_000
    ) {
        self.latency = latency
        self.jitter = jitter
        self.lossPerMillion = lossPerMillion
        self.reorderPerMillion = reorderPerMillion
        self.reorderDelay = reorderDelay
    }

    /// A perfect link: 1 ms, no jitter, loss or reordering.
    public static let perfect = LinkConditions()
}
