/// The optimizer's per-parameter memory, part of the model state.
///
/// Guarantees: Adam's bias corrections use `β^t` kept as running products (`beta1Power ← beta1Power·β1` each
/// step, from 1), never `pow`; all tensors have one entry per parameter.
public enum OptimizerState: Sendable, Equatable {
    /// SGD with momentum: the velocity `u ← μ·u + g`.
    case sgd(velocity: [Float])
    /// Adam: first and second moments and the running products `β1^t`, `β2^t`.
    case adam(m: [Float], v: [Float], beta1Power: Float, beta2Power: Float)

    /// A fresh state for `optimizer` over `count` parameters.
    public init(for optimizer: TaskDefinition.Optimizer, count: Int) {
        switch optimizer {
        case .sgd: self = .sgd(velocity: [Float](repeating: 0, count: count))
        case .adam:
            self = .adam(
                m: [Float](repeating: 0, count: count),
                v: [Float](repeating: 0, count: count),
                beta1Power: 1,
                beta2Power: 1
            )
        }
    }

    /// Named tensors in canonical order (used by encoding and by error messages).
    var tensors: [(name: String, values: [Float])] {
        switch self {
        case .sgd(let velocity): [("sgd.velocity", velocity)]
        case .adam(let m, let v, _, _): [("adam.m", m), ("adam.v", v)]
        }
    }

    /// Whether this state belongs to `optimizer` (same kind).
    func matches(_ optimizer: TaskDefinition.Optimizer) -> Bool {
        switch (self, optimizer) {
        case (.sgd, .sgd), (.adam, .adam): true
        default: false
        }
    }
}
