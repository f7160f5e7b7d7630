/// Softmax cross-entropy with the mean over the batch, using `DeterministicMath`.
///
/// Per row `i` with logits `z`, label `y`: `m = max_j z_j` (first maximum), `e_j = exp(z_j − m)`,
/// `S = Σ_j e_j` (increasing `j`), `loss_i = log(S) − (z_y − m)`, `p_j = e_j / S`. The batch loss is
/// `(Σ_i loss_i) / B` (increasing `i`) and the logit gradient is `(p_j − [j = y]) / B`. A row is *correct* when
/// its first maximum is at `y`.
public enum SoftmaxCrossEntropy {
    /// The batch's mean loss and number of correct rows.
    public struct Result: Sendable, Equatable {
        public var loss: Float
        public var correct: Int
    }

    /// Computes the loss and overwrites `logits` with the gradient of the mean loss when `gradient` is true.
    public static func evaluate(
        logits: UnsafeMutablePointer<Float>,
        rows: Int,
        classes: Int,
        labels: UnsafePointer<UInt8>,
        gradient: Bool
    ) -> Result {
        var total: Float = 0
        var correct = 0
        let scale = Float(rows)
        for i in 0..<rows {
            let z = logits + i * classes
            var m = z[0]
            var arg = 0
            for j in 1..<classes where z[j] > m {
                m = z[j]
                arg = j
            }
            let y = Int(labels[i])
            if arg == y { correct += 1 }
            var s: Float = 0
            for j in 0..<classes { s = s + DeterministicMath.exp(z[j] - m) }
            let rowLoss = DeterministicMath.log(s) - (z[y] - m)
            total = total + rowLoss
            if gradient {
                for j in 0..<classes {
                    let p = DeterministicMath.exp(z[j] - m) / s
                    z[j] = (j == y ? p - 1 : p) / scale
                }
            }
        }
        return Result(loss: total / scale, correct: correct)
    }
}
