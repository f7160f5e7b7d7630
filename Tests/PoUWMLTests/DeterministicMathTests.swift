import Foundation
import PoUWML
import Testing

@Suite("Own exp and log: accuracy and pinned bits")
struct DeterministicMathTests {
    /// Error in units of the last place of the correctly rounded result.
    static func ulpError(_ got: Float, _ exact: Double) -> Double {
        let rounded = Float(exact)
        if got == rounded { return 0 }
        let ulp = Double(rounded.ulp)
        return abs(Double(got) - exact) / ulp
    }

    @Test("exp is within 1 ulp over [-87, 88] and handles the edges")
    func expAccuracy() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            worst = max(worst, Self.ulpError(DeterministicMath.exp(x), Foundation.exp(Double(x))))
            x += 0.0037
        }
        for v: Float in [-1e-6, 1e-6, -0.3, 0.3, -0.5, 0.5, -1.1, 1.1] {
            worst = max(worst, Self.ulpError(DeterministicMath.exp(v), Foundation.exp(Double(v))))
        }
        #expect(worst < 1.0, "max error \(worst) ulp")
        print("DeterministicMath.exp: max error \(worst) ulp over [-87, 88]")
        #expect(DeterministicMath.exp(0) == 1)
        #expect(DeterministicMath.exp(89) == .infinity)
        #expect(DeterministicMath.exp(-104) == 0)
        #expect(DeterministicMath.exp(-.infinity) == 0)
        #expect(DeterministicMath.exp(.nan).isNaN)
        #expect(DeterministicMath.exp(-100) > 0)  // subnormal result
    }

    @Test("log is within 1 ulp over (0, 1e30] and handles the edges")
    func logAccuracy() {
        var worst = 0.0
        var x: Float = 1e-30
        while x < 1e30 {
            worst = max(worst, Self.ulpError(DeterministicMath.log(x), Foundation.log(Double(x))))
            x *= 1.0013
        }
        var y: Float = 1
        while y < 12 {
            worst = max(worst, Self.ulpError(DeterministicMath.log(y), Foundation.log(Double(y))))
            y += 0.000_73
        }
        #expect(worst < 1.0, "max error \(worst) ulp")
        print("DeterministicMath.log: max error \(worst) ulp over [1e-30, 1e30] and [1, 12]")
        #expect(DeterministicMath.log(1) == 0)
        #expect(DeterministicMath.log(0) == -.infinity)
        #expect(DeterministicMath.log(-1).isNaN)
        #expect(DeterministicMath.log(.infinity) == .infinity)
        #expect(DeterministicMath.log(Float.leastNonzeroMagnitude).isFinite)
    }

    /// Pinned outputs (each equals the correctly rounded value): these bits are consensus; any change to the
    /// functions must fail here.
    @Test("pinned bit patterns")
    func pinned() {
        let exps: [(Float, UInt32)] = [(-2.5, 0x3da8_1c2e), (0.7, 0x4000_e153), (-20, 0x310d_a433)]
        for (x, bits) in exps { #expect(DeterministicMath.exp(x).bitPattern == bits, "exp(\(x))") }
        let logs: [(Float, UInt32)] = [(2, 0x3f31_7218), (10, 0x4013_5d8e), (0.001, 0xc0dd_0c55)]
        for (x, bits) in logs { #expect(DeterministicMath.log(x).bitPattern == bits, "log(\(x))") }
    }
}
