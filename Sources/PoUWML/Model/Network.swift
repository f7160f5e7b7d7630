/// Forward and backward passes of an `Architecture` over a batch, with all buffers allocated once.
///
/// Guarantees: the loss, predictions and gradient are pure functions of (parameters, batch); every kernel has a
/// fixed evaluation order (see `GEMM`, `Elementwise`, `Convolution`, `MaxPool`, `SoftmaxCrossEntropy`), and
/// threads split only independent outputs, so the thread count never changes a bit. Not thread-safe itself:
/// one network serves one caller at a time.
public final class Network {
    public let architecture: Architecture
    public let maxBatch: Int
    let pool: WorkerPool
    /// `activations[l]` is layer `l`'s input (post-ReLU), `activations.last` the logits; `maxBatch` rows each.
    private var activations: [UnsafeMutablePointer<Float>]
    private var deltas: [UnsafeMutablePointer<Float>]
    private var columns: [Int: UnsafeMutablePointer<Float>] = [:]
    private var columnGrads: [Int: UnsafeMutablePointer<Float>] = [:]
    private var argmax: [Int: UnsafeMutablePointer<Int32>] = [:]
    private var transposed: UnsafeMutablePointer<Float>
    private var labelBuffer: UnsafeMutablePointer<UInt8>
    private var allocations: [UnsafeMutableRawPointer] = []

    public init(architecture: Architecture, maxBatch: Int, pool: WorkerPool) {
        self.architecture = architecture
        self.maxBatch = max(1, maxBatch)
        self.pool = pool
        var allocations: [UnsafeMutableRawPointer] = []
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            allocations.append(UnsafeMutableRawPointer(p))
            return p
        }
        let b = self.maxBatch
        var acts = [floats(b * architecture.inputCount)]
        var ds = [floats(b * architecture.inputCount)]
        var largestWeight = 1
        for (l, layer) in architecture.layers.enumerated() {
            acts.append(floats(b * layer.outputCount))
            ds.append(floats(b * layer.outputCount))
            switch layer {
            case .dense(let i, let o, _, _, _): largestWeight = max(largestWeight, i * o)
            case .conv(let h, let w, let c, let o, _, _):
                columns[l] = floats(b * h * w * 9 * c)
                columnGrads[l] = floats(b * h * w * 9 * c)
                largestWeight = max(largestWeight, 9 * c * o)
            case .pool:
                let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, b * layer.outputCount))
                p.initialize(repeating: 0, count: max(1, b * layer.outputCount))
                allocations.append(UnsafeMutableRawPointer(p))
                argmax[l] = p
            }
        }
        transposed = floats(largestWeight)
        labelBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: b)
        labelBuffer.initialize(repeating: 0, count: b)
        allocations.append(UnsafeMutableRawPointer(labelBuffer))
        activations = acts
        deltas = ds
        self.allocations = allocations
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    /// Runs the forward pass on `rows` samples (`features` is `rows × inputCount`, `labels` `rows` class indices
    /// below `outputCount`) and, when `gradient` is given (`parameterCount` floats), the backward pass writing
    /// the gradient of the mean loss into it. Returns the mean loss and the number of correct predictions.
    public func run(
        parameters: UnsafePointer<Float>,
        features: UnsafePointer<Float>,
        labels: UnsafePointer<UInt8>,
        rows: Int,
        gradient: UnsafeMutablePointer<Float>?
    ) -> SoftmaxCrossEntropy.Result {
        precondition(rows > 0 && rows <= maxBatch, "batch of \(rows) rows exceeds the network's \(maxBatch)")
        activations[0].update(from: features, count: rows * architecture.inputCount)
        for (l, layer) in architecture.layers.enumerated() {
            forward(layer, index: l, parameters: parameters, rows: rows)
        }
        let logits = activations[architecture.layers.count]
        let classes = architecture.outputCount
        guard let gradient else {
            return SoftmaxCrossEntropy.evaluate(
                logits: logits,
                rows: rows,
                classes: classes,
                labels: labels,
                gradient: false
            )
        }
        let delta = deltas[architecture.layers.count]
        delta.update(from: logits, count: rows * classes)
        let result = SoftmaxCrossEntropy.evaluate(
            logits: delta,
            rows: rows,
            classes: classes,
            labels: labels,
            gradient: true
        )
        for l in stride(from: architecture.layers.count - 1, through: 0, by: -1) {
            backward(architecture.layers[l], index: l, parameters: parameters, rows: rows, gradient: gradient)
        }
        return result
    }

    /// The predicted class (first maximum of the logits) of each of `rows` samples.
    public func predict(parameters: UnsafePointer<Float>, features: UnsafePointer<Float>, rows: Int) -> [Int] {
        labelBuffer.update(repeating: 0, count: rows)
        _ = run(parameters: parameters, features: features, labels: labelBuffer, rows: rows, gradient: nil)
        let logits = activations[architecture.layers.count]
        let classes = architecture.outputCount
        return (0..<rows).map { i in
            var best = 0
            for j in 1..<classes where logits[i * classes + j] > logits[i * classes + best] { best = j }
            return best
        }
    }

    private func forward(_ layer: Architecture.Layer, index l: Int, parameters: UnsafePointer<Float>, rows: Int) {
        let input = activations[l]
        let output = activations[l + 1]
        switch layer {
        case .dense(let n, let m, let w, let b, let relu):
            GEMM.multiply(
                .init(
                    m: rows,
                    n: m,
                    k: n,
                    a: input,
                    aRowStride: n,
                    aColStride: 1,
                    b: parameters + w,
                    ldb: m,
                    c: output,
                    ldc: m
                ),
                pool: pool
            )
            Elementwise.addBias(output, rows: rows, cols: m, bias: parameters + b)
            if relu { Elementwise.relu(output, count: rows * m) }
        case .conv(let h, let w, let c, let o, let k, let b):
            guard let cols = columns[l] else { preconditionFailure("conv layer without a column buffer") }
            Convolution.im2col(input, batch: rows, height: h, width: w, channels: c, into: cols)
            GEMM.multiply(
                .init(
                    m: rows * h * w,
                    n: o,
                    k: 9 * c,
                    a: cols,
                    aRowStride: 9 * c,
                    aColStride: 1,
                    b: parameters + k,
                    ldb: o,
                    c: output,
                    ldc: o
                ),
                pool: pool
            )
            Elementwise.addBias(output, rows: rows * h * w, cols: o, bias: parameters + b)
            Elementwise.relu(output, count: rows * h * w * o)
        case .pool(let h, let w, let c):
            guard let arg = argmax[l] else { preconditionFailure("pool layer without an argmax buffer") }
            MaxPool.forward(input, batch: rows, height: h, width: w, channels: c, output: output, argmax: arg)
        }
    }

    private func backward(
        _ layer: Architecture.Layer,
        index l: Int,
        parameters: UnsafePointer<Float>,
        rows: Int,
        gradient: UnsafeMutablePointer<Float>
    ) {
        let input = activations[l]
        let output = activations[l + 1]
        let dOut = deltas[l + 1]
        let dIn = deltas[l]
        let needInput = l > 0
        switch layer {
        case .dense(let n, let m, let w, let b, let relu):
            if relu { Elementwise.reluBackward(dOut, activation: output, count: rows * m) }
            // dW = Xᵀ·dY: A[i, p] = X[p, i].
            GEMM.multiply(
                .init(
                    m: n,
                    n: m,
                    k: rows,
                    a: input,
                    aRowStride: 1,
                    aColStride: n,
                    b: dOut,
                    ldb: m,
                    c: gradient + w,
                    ldc: m
                ),
                pool: pool
            )
            Elementwise.columnSums(dOut, rows: rows, cols: m, into: gradient + b)
            if needInput {
                GEMM.transpose(parameters + w, rows: n, cols: m, into: transposed)
                GEMM.multiply(
                    .init(
                        m: rows,
                        n: n,
                        k: m,
                        a: dOut,
                        aRowStride: m,
                        aColStride: 1,
                        b: transposed,
                        ldb: n,
                        c: dIn,
                        ldc: n
                    ),
                    pool: pool
                )
            }
        case .conv(let h, let w, let c, let o, let k, let b):
            guard let cols = columns[l], let dcols = columnGrads[l] else {
                preconditionFailure("conv layer without column buffers")
            }
            let positions = rows * h * w
            Elementwise.reluBackward(dOut, activation: output, count: positions * o)
            GEMM.multiply(
                .init(
                    m: 9 * c,
                    n: o,
                    k: positions,
                    a: cols,
                    aRowStride: 1,
                    aColStride: 9 * c,
                    b: dOut,
                    ldb: o,
                    c: gradient + k,
                    ldc: o
                ),
                pool: pool
            )
            Elementwise.columnSums(dOut, rows: positions, cols: o, into: gradient + b)
            if needInput {
                GEMM.transpose(parameters + k, rows: 9 * c, cols: o, into: transposed)
                GEMM.multiply(
                    .init(
                        m: positions,
                        n: 9 * c,
                        k: o,
                        a: dOut,
                        aRowStride: o,
                        aColStride: 1,
                        b: transposed,
                        ldb: 9 * c,
                        c: dcols,
                        ldc: 9 * c
                    ),
                    pool: pool
                )
                Convolution.col2im(dcols, batch: rows, height: h, width: w, channels: c, into: dIn)
            }
        case .pool(let h, let w, let c):
            guard let arg = argmax[l] else { preconditionFailure("pool layer without an argmax buffer") }
            MaxPool.backward(
                dOut,
                outputCount: rows * layer.outputCount,
                inputCount: rows * h * w * c,
                argmax: arg,
                into: dIn
            )
        }
    }
}
