/// Turns a gradient into a dense weight delta `Δ`, updating the optimizer state in place.
///
/// Definitions (per parameter, in this exact order of Float operations; `flush(x)` is `+0` when
/// `|x| < 2^-126`, i.e. subnormals and `−0` become `+0`, otherwise `x`):
/// - SGD: `u ← flush(μ·u + g)`, `Δ = −(lr·u)`.
/// - Adam (step `t` counted from 1): `b1 ← b1·β1`, `b2 ← b2·β2` (running products),
///   `m ← flush(β1·m + (1−β1)·g)`, `v ← flush(β2·v + (1−β2)·(g·g))`,
///   `Δ = −(a·m) / (√(v·s) + ε)` with the per-step scalars `a = lr / (1−b1)` and `s = 1 / (1−b2)` and IEEE
///   `sqrt` (correctly rounded everywhere). `1−β1`, `1−β2`, `1−b1`, `1−b2` are each one Float subtraction.
/// Guarantees: element-wise and independent, so SIMD width and the thread split cannot change a bit.
enum Optimizer {
    static func computeDelta(
        _ optimizer: TaskDefinition.Optimizer,
        state: inout OptimizerState,
        gradient: UnsafePointer<Float>,
        delta: UnsafeMutablePointer<Float>,
        count: Int,
        pool: WorkerPool
    ) {
        switch optimizer {
        case .sgd(let lr, let mu):
            guard case .sgd(var velocity) = state else { preconditionFailure("optimizer state is not SGD's") }
            state = .sgd(velocity: [])  // release the array so the in-place update below does not copy
            velocity.withUnsafeMutableBufferPointer { u in
                let up = u.baseAddress!
                pool.forEachRange(count) { range in
                    for i in range {
                        let nu = flush(mu * up[i] + gradient[i])
                        up[i] = nu
                        delta[i] = -(lr * nu)
                    }
                }
            }
            state = .sgd(velocity: velocity)
        case .adam(let lr, let beta1, let beta2, let eps):
            guard case .adam(var m, var v, var b1, var b2) = state else {
                preconditionFailure("optimizer state is not Adam's")
            }
            state = .sgd(velocity: [])  // release the arrays so the in-place updates below do not copy
            b1 = b1 * beta1
            b2 = b2 * beta2
            let a = lr / (1 - b1)
            let s = 1 / (1 - b2)
            let g1 = 1 - beta1
            let g2 = 1 - beta2
            m.withUnsafeMutableBufferPointer { mb in
                v.withUnsafeMutableBufferPointer { vb in
                    let mp = mb.baseAddress!
                    let vp = vb.baseAddress!
                    pool.forEachRange(count) { range in
                        adamRange(
                            range,
                            m: mp,
                            v: vp,
                            g: gradient,
                            delta: delta,
                            constants: (beta1, beta2, g1, g2, a, s, eps)
                        )
                    }
                }
            }
            state = .adam(m: m, v: v, beta1Power: b1, beta2Power: b2)
        }
    }

    @inline(__always)
    static func flush(_ x: Float) -> Float {
        x.magnitude < Float.leastNormalMagnitude ? 0 : x
    }

    @inline(__always)
    static func flush(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Integer form of the scalar rule: keep the bits iff the exponent field is non-zero.
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let exponent = (bits &>> 23) & 0xff
        let keep = 0 &- ((exponent &+ 0xff) &>> 8)  // all ones iff exponent ≠ 0
        return unsafeBitCast(bits & keep, to: SIMD16<Float>.self)
    }

    private static func adamRange(
        _ range: Range<Int>,
        m: UnsafeMutablePointer<Float>,
        v: UnsafeMutablePointer<Float>,
        g: UnsafePointer<Float>,
        delta: UnsafeMutablePointer<Float>,
        constants k: (Float, Float, Float, Float, Float, Float, Float)
    ) {
        let (beta1, beta2, g1, g2, a, s, eps) = k
        var i = range.lowerBound
        let vb1 = SIMD16<Float>(repeating: beta1)
        let vb2 = SIMD16<Float>(repeating: beta2)
        let vg1 = SIMD16<Float>(repeating: g1)
        let vg2 = SIMD16<Float>(repeating: g2)
        let va = SIMD16<Float>(repeating: a)
        let vs = SIMD16<Float>(repeating: s)
        let veps = SIMD16<Float>(repeating: eps)
        while i + 16 <= range.upperBound {
            let gv = load16(g + i)
            let mv = flush(vb1 * load16(m + i) + vg1 * gv)
            let vv = flush(vb2 * load16(v + i) + vg2 * (gv * gv))
            store16(mv, m + i)
            store16(vv, v + i)
            store16(-(va * mv) / ((vv * vs).squareRoot() + veps), delta + i)
            i += 16
        }
        while i < range.upperBound {
            let gi = g[i]
            let mi = flush(beta1 * m[i] + g1 * gi)
            let vi = flush(beta2 * v[i] + g2 * (gi * gi))
            m[i] = mi
            v[i] = vi
            delta[i] = -(a * mi) / ((vi * s).squareRoot() + eps)
            i += 1
        }
    }
}
