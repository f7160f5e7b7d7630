import PoUWML
import Testing

@Suite("GEMM and kernels equal the scalar definitions bit for bit")
struct GEMMTests {
    /// Deterministic test values with varied exponents (so rounding differences would show).
    static func values(_ n: Int, salt: UInt64) -> [Float] {
        let r = CounterRandom(seed: salt, stream: .initialWeights)
        return (0..<n).map { i in
            let u = r.unitFloat(UInt64(i)) - 0.5
            let scale = Float(1 << (r.below(12, counter: UInt64(i) + 1 << 40)))
            return u * scale / 64
        }
    }

    static func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

    @Test(
        "odd shapes, both A layouts, 1 and 2 threads",
        arguments: [(1, 1, 1), (3, 17, 5), (2, 16, 300), (5, 33, 257), (7, 15, 513), (64, 128, 784), (33, 10, 64)]
    )
    func matchesReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = Self.values(m * k, salt: 1)
        let b = Self.values(k * n, salt: 2)
        for transposedA in [false, true] {
            var expected = [Float](repeating: .nan, count: m * n)
            var got1 = [Float](repeating: .nan, count: m * n)
            var got2 = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    func op(_ c: UnsafeMutablePointer<Float>) -> GEMM.Operands {
                        GEMM.Operands(
                            m: m,
                            n: n,
                            k: k,
                            a: ap.baseAddress!,
                            aRowStride: transposedA ? 1 : k,
                            aColStride: transposedA ? m : 1,
                            b: bp.baseAddress!,
                            ldb: n,
                            c: c,
                            ldc: n
                        )
                    }
                    expected.withUnsafeMutableBufferPointer { GEMM.referenceMultiply(op($0.baseAddress!)) }
                    got1.withUnsafeMutableBufferPointer {
                        GEMM.multiply(op($0.baseAddress!), pool: WorkerPool(threads: 1))
                    }
                    got2.withUnsafeMutableBufferPointer {
                        GEMM.multiply(op($0.baseAddress!), pool: WorkerPool(threads: 2))
                    }
                }
            }
            #expect(Self.bits(got1) == Self.bits(expected))
            #expect(Self.bits(got2) == Self.bits(expected))
        }
    }

    @Test("a sub-block of outputs is computed identically to the whole")
    func partialBlocks() {
        let (m, n, k) = (9, 40, 300)
        let a = Self.values(m * k, salt: 3)
        let b = Self.values(k * n, salt: 4)
        var whole = [Float](repeating: 0, count: m * n)
        var pieces = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                func op(_ c: UnsafeMutablePointer<Float>) -> GEMM.Operands {
                    .init(
                        m: m,
                        n: n,
                        k: k,
                        a: ap.baseAddress!,
                        aRowStride: k,
                        aColStride: 1,
                        b: bp.baseAddress!,
                        ldb: n,
                        c: c,
                        ldc: n
                    )
                }
                whole.withUnsafeMutableBufferPointer { GEMM.multiply(op($0.baseAddress!), rows: 0..<m, cols: 0..<n) }
                pieces.withUnsafeMutableBufferPointer { c in
                    for (rows, cols) in [(0..<3, 0..<7), (0..<3, 7..<40), (3..<9, 0..<23), (3..<9, 23..<40)] {
                        GEMM.multiply(op(c.baseAddress!), rows: rows, cols: cols)
                    }
                }
            }
        }
        #expect(Self.bits(whole) == Self.bits(pieces))
    }

    @Test("3×3 convolution by im2col equals the direct loop in (ty, tx, c) order")
    func convolutionMatchesDirectLoop() {
        let (batch, h, w, c, o) = (2, 5, 7, 3, 5)
        let input = Self.values(batch * h * w * c, salt: 5)
        let kernel = Self.values(9 * c * o, salt: 6)
        var cols = [Float](repeating: 0, count: batch * h * w * 9 * c)
        var out = [Float](repeating: 0, count: batch * h * w * o)
        input.withUnsafeBufferPointer { ip in
            cols.withUnsafeMutableBufferPointer { cp in
                Convolution.im2col(
                    ip.baseAddress!,
                    batch: batch,
                    height: h,
                    width: w,
                    channels: c,
                    into: cp.baseAddress!
                )
            }
        }
        cols.withUnsafeBufferPointer { cp in
            kernel.withUnsafeBufferPointer { kp in
                out.withUnsafeMutableBufferPointer { op in
                    GEMM.multiply(
                        .init(
                            m: batch * h * w,
                            n: o,
                            k: 9 * c,
                            a: cp.baseAddress!,
                            aRowStride: 9 * c,
                            aColStride: 1,
                            b: kp.baseAddress!,
                            ldb: o,
                            c: op.baseAddress!,
                            ldc: o
                        ),
                        pool: WorkerPool(threads: 2)
                    )
                }
            }
        }
        var direct = [Float](repeating: 0, count: batch * h * w * o)
        for b in 0..<batch {
            for y in 0..<h {
                for x in 0..<w {
                    for oc in 0..<o {
                        var s: Float = 0
                        for ty in 0..<3 {
                            for tx in 0..<3 {
                                for ic in 0..<c {
                                    let sy = y + ty - 1
                                    let sx = x + tx - 1
                                    let v: Float =
                                        (sy < 0 || sy >= h || sx < 0 || sx >= w)
                                        ? 0 : input[((b * h + sy) * w + sx) * c + ic]
                                    s = s + v * kernel[((ty * 3 + tx) * c + ic) * o + oc]
                                }
                            }
                        }
                        direct[((b * h + y) * w + x) * o + oc] = s
                    }
                }
            }
        }
        #expect(Self.bits(out) == Self.bits(direct))
    }

    @Test("max-pool picks the first maximum and routes the gradient there")
    func maxPool() {
        // One 2×3×1 image: the odd last column is dropped.
        let input: [Float] = [1, 5, 9, 5, 2, 0]
        var output: [Float] = [0]
        var argmax: [Int32] = [0]
        input.withUnsafeBufferPointer { ip in
            output.withUnsafeMutableBufferPointer { op in
                argmax.withUnsafeMutableBufferPointer { ap in
                    MaxPool.forward(
                        ip.baseAddress!,
                        batch: 1,
                        height: 2,
                        width: 3,
                        channels: 1,
                        output: op.baseAddress!,
                        argmax: ap.baseAddress!
                    )
                }
            }
        }
        #expect(output == [5])
        #expect(argmax == [1])
        var dInput = [Float](repeating: 7, count: 6)
        let dOut: [Float] = [2.5]
        dOut.withUnsafeBufferPointer { dp in
            argmax.withUnsafeBufferPointer { ap in
                dInput.withUnsafeMutableBufferPointer { di in
                    MaxPool.backward(
                        dp.baseAddress!,
                        outputCount: 1,
                        inputCount: 6,
                        argmax: ap.baseAddress!,
                        into: di.baseAddress!
                    )
                }
            }
        }
        #expect(dInput == [0, 2.5, 0, 0, 0, 0])
    }

    @Test("ReLU is x > 0 ? x : 0 (negative zero and NaN become +0)")
    func relu() {
        var x: [Float] = [-1, -0.0, 0, 2, .nan, .infinity]
        x.withUnsafeMutableBufferPointer { Elementwise.relu($0.baseAddress!, count: $0.count) }
        #expect(Self.bits(x) == Self.bits([0, 0, 0, 2, 0, .infinity]))
    }
}
