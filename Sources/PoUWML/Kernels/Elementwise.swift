/// Element-wise and row-wise kernels of the forward and backward passes, each with one fixed evaluation order.
///
/// Guarantees: pure functions of their inputs (no hidden state), sums over a batch run in increasing row order,
/// and every rule below is the definition that replicas must reproduce bit for bit.
public enum Elementwise {
    /// `y[i, j] += bias[j]` for a `rows × cols` matrix (the bias is added after the dot product).
    public static func addBias(_ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>) {
        for i in 0..<rows {
            let row = y + i * cols
            for j in 0..<cols { row[j] = row[j] + bias[j] }
        }
    }

    /// `x = x > 0 ? x : 0` (so `−0`, NaN and negatives all become `+0`).
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = v > 0 ? v : 0
        }
    }

    /// Backward of ReLU: `dx = x > 0 ? dy : 0`, where `x` is the ReLU's input (or its output: same sign test).
    public static func reluBackward(
        _ dy: UnsafeMutablePointer<Float>,
        activation x: UnsafePointer<Float>,
        count: Int
    ) {
        for i in 0..<count { dy[i] = x[i] > 0 ? dy[i] : 0 }
    }

    /// `db[j] = Σ_i dy[i, j]` from `+0`, rows in increasing order.
    public static func columnSums(
        _ dy: UnsafePointer<Float>,
        rows: Int,
        cols: Int,
        into db: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<cols { db[j] = 0 }
        for i in 0..<rows {
            let row = dy + i * cols
            for j in 0..<cols { db[j] = db[j] + row[j] }
        }
    }
}
