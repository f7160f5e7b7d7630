/// Matrix multiplication `C = A · B` on raw row-major buffers, bit-exact by construction.
///
/// Guarantees: every output `C[i, j]` is the dot product `Σ_p A[i, p]·B[p, j]` started from `+0.0` and summed in
/// increasing `p`, one `*` then one `+` per term (never fused, never reassociated). Vectorisation runs across
/// independent outputs (16 consecutive columns held in `SIMD16<Float>` registers, two rows at a time; a tail of
/// fewer than 16 columns runs in the same registers on a zero-padded copy), and the reduction may be cut into
/// blocks of `kBlock` terms whose partial sums are stored and reloaded exactly, so the result equals
/// `referenceMultiply` bit for bit for any shape, tile size, SIMD width, loop order or thread split.
///
/// `A` is addressed through two strides, so the same kernel serves the three training shapes:
/// forward `X·W` (`A = X`, strides `(K, 1)`), weight gradient `Xᵀ·dY` (`A = Xᵀ`, strides `(1, rowsOfX)`) and
/// input gradient `dY·Wᵀ` (with `Wᵀ` materialised by `transpose`).
public enum GEMM {
    /// Reduction block length: partial sums leave registers every `kBlock` terms (keeps a 16-column panel of `B`
    /// in the L1 cache). Any value gives the same bits.
    public static let kBlock = 256

    /// Shape and addressing of one multiplication. All pointers must cover the addressed elements.
    public struct Operands {
        public var m: Int
        public var n: Int
        public var k: Int
        public var a: UnsafePointer<Float>
        public var aRowStride: Int
        public var aColStride: Int
        public var b: UnsafePointer<Float>
        public var ldb: Int
        public var c: UnsafeMutablePointer<Float>
        public var ldc: Int

        public init(
            m: Int,
            n: Int,
            k: Int,
            a: UnsafePointer<Float>,
            aRowStride: Int,
            aColStride: Int,
            b: UnsafePointer<Float>,
            ldb: Int,
            c: UnsafeMutablePointer<Float>,
            ldc: Int
        ) {
            self.m = m
            self.n = n
            self.k = k
            self.a = a
            self.aRowStride = aRowStride
            self.aColStride = aColStride
            self.b = b
            self.ldb = ldb
            self.c = c
            self.ldc = ldc
        }
    }

    /// Computes all of `C`, splitting the outputs over `pool` (rows or columns, whichever is larger).
    public static func multiply(_ op: Operands, pool: WorkerPool) {
        let parts = pool.threadCount
        if parts <= 1 || op.m * op.n * op.k < 32_768 {
            multiply(op, rows: 0..<op.m, cols: 0..<op.n)
            return
        }
        if op.m >= op.n {
            let chunk = ((op.m + parts - 1) / parts + 1) & ~1
            pool.run(parts) { t in
                let lo = min(op.m, t * chunk)
                let hi = min(op.m, lo + chunk)
                if lo < hi { multiply(op, rows: lo..<hi, cols: 0..<op.n) }
            }
        } else {
            let chunk = ((op.n + parts - 1) / parts + 15) & ~15
            pool.run(parts) { t in
                let lo = min(op.n, t * chunk)
                let hi = min(op.n, lo + chunk)
                if lo < hi { multiply(op, rows: 0..<op.m, cols: lo..<hi) }
            }
        }
    }

    /// Computes the outputs `C[rows, cols]` only (the unit of work of one thread).
    public static func multiply(_ op: Operands, rows: Range<Int>, cols: Range<Int>) {
        if rows.isEmpty || cols.isEmpty { return }
        if op.k == 0 {
            for i in rows { for j in cols { op.c[i * op.ldc + j] = 0 } }
            return
        }
        let fullEnd = cols.lowerBound + (cols.count / 16) * 16
        if fullEnd > cols.lowerBound {
            // When all of B fits in L1 (weight-gradient shapes), walk rows outside so A stays cached;
            // otherwise walk 16-column panels of B outside. Either order gives the same bits.
            if op.k * op.n <= 8192 {
                var i = rows.lowerBound
                while i < rows.upperBound {
                    let i1 = min(rows.upperBound, i + 2)
                    var j = cols.lowerBound
                    while j < fullEnd {
                        if i1 - i == 2 {
                            block2x16(op, i: i, j: j, k0: 0, k1: op.k, first: true)
                        } else {
                            block1x16(op, i: i, j: j, k0: 0, k1: op.k, first: true)
                        }
                        j += 16
                    }
                    i = i1
                }
            } else {
                var k0 = 0
                while k0 < op.k {
                    let k1 = min(op.k, k0 + kBlock)
                    var j = cols.lowerBound
                    while j < fullEnd {
                        var i = rows.lowerBound
                        while i + 2 <= rows.upperBound {
                            block2x16(op, i: i, j: j, k0: k0, k1: k1, first: k0 == 0)
                            i += 2
                        }
                        if i < rows.upperBound { block1x16(op, i: i, j: j, k0: k0, k1: k1, first: k0 == 0) }
                        j += 16
                    }
                    k0 = k1
                }
            }
        }
        if fullEnd < cols.upperBound { tail(op, rows: rows, cols: fullEnd..<cols.upperBound) }
    }

    /// Fewer than 16 columns: copy them into a zero-padded 16-wide panel and run the same SIMD blocks into a
    /// scratch tile (each lane is still its own in-order sum), then copy the real columns out.
    private static func tail(_ op: Operands, rows: Range<Int>, cols: Range<Int>) {
        let width = cols.count
        withUnsafeTemporaryAllocation(of: Float.self, capacity: op.k * 16 + 32) { scratch in
            let panel = scratch.baseAddress!
            let tile = panel + op.k * 16
            panel.initialize(repeating: 0, count: op.k * 16 + 32)
            for p in 0..<op.k {
                for c in 0..<width { panel[p * 16 + c] = op.b[p * op.ldb + cols.lowerBound + c] }
            }
            var i = rows.lowerBound
            while i < rows.upperBound {
                let pair = i + 2 <= rows.upperBound
                var sub = op
                sub.a = op.a + i * op.aRowStride
                sub.b = UnsafePointer(panel)
                sub.ldb = 16
                sub.c = tile
                sub.ldc = 16
                if pair {
                    block2x16(sub, i: 0, j: 0, k0: 0, k1: op.k, first: true)
                } else {
                    block1x16(sub, i: 0, j: 0, k0: 0, k1: op.k, first: true)
                }
                for r in 0..<(pair ? 2 : 1) {
                    for c in 0..<width { op.c[(i + r) * op.ldc + cols.lowerBound + c] = tile[r * 16 + c] }
                }
                i += pair ? 2 : 1
            }
        }
    }

    @inline(__always)
    private static func block2x16(_ op: Operands, i: Int, j: Int, k0: Int, k1: Int, first: Bool) {
        let c0p = op.c + i * op.ldc + j
        let c1p = c0p + op.ldc
        var c0 = first ? SIMD16<Float>() : load16(c0p)
        var c1 = first ? SIMD16<Float>() : load16(c1p)
        let a0 = op.a + i * op.aRowStride
        let a1 = a0 + op.aRowStride
        var bp = op.b + k0 * op.ldb + j
        let acs = op.aColStride
        var o = k0 * acs
        for _ in k0..<k1 {
            let bv = load16(bp)
            c0 = c0 + bv * SIMD16(repeating: a0[o])
            c1 = c1 + bv * SIMD16(repeating: a1[o])
            bp += op.ldb
            o += acs
        }
        store16(c0, c0p)
        store16(c1, c1p)
    }

    @inline(__always)
    private static func block1x16(_ op: Operands, i: Int, j: Int, k0: Int, k1: Int, first: Bool) {
        let c0p = op.c + i * op.ldc + j
        var c0 = first ? SIMD16<Float>() : load16(c0p)
        let a0 = op.a + i * op.aRowStride
        var bp = op.b + k0 * op.ldb + j
        let acs = op.aColStride
        var o = k0 * acs
        for _ in k0..<k1 {
            c0 = c0 + load16(bp) * SIMD16(repeating: a0[o])
            bp += op.ldb
            o += acs
        }
        store16(c0, c0p)
    }

    /// The definition: one scalar loop per output, `s = s + a·b` in increasing `p` from `+0.0`.
    public static func referenceMultiply(_ op: Operands) {
        for i in 0..<op.m {
            for j in 0..<op.n {
                var s: Float = 0
                for p in 0..<op.k {
                    s = s + op.a[i * op.aRowStride + p * op.aColStride] * op.b[p * op.ldb + j]
                }
                op.c[i * op.ldc + j] = s
            }
        }
    }

    /// `dst[c, r] = src[r, c]` for a `rows × cols` row-major `src`.
    public static func transpose(
        _ src: UnsafePointer<Float>,
        rows: Int,
        cols: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        let tile = 32
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + tile)
            var c0 = 0
            while c0 < cols {
                let c1 = min(cols, c0 + tile)
                for r in r0..<r1 {
                    for c in c0..<c1 { dst[c * rows + r] = src[r * cols + c] }
                }
                c0 = c1
            }
            r0 = r1
        }
    }
}

@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func load16(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
