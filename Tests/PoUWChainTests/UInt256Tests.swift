import PoUWCore
import Testing

@testable import PoUWChain

@Suite("UInt256 and compact targets")
struct UInt256Tests {
    @Test func shiftsRoundTrip() {
        let v = UInt256(limbs: 0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 7, 0)
        for s in [0, 1, 13, 63, 64, 65, 100, 124] {
            #expect(v.shiftedLeft(s).shiftedRight(s) == v, "shift \(s)")
        }
        #expect(UInt256.one.shiftedLeft(255).bitWidth == 256)
        #expect(UInt256.one.shiftedLeft(256) == .zero)
        #expect(UInt256.max.shiftedRight(192) == UInt256(.max))
    }

    @Test func arithmetic() {
        let a = UInt256(limbs: .max, .max, 0, 0)
        let (s, o) = a.addingReportingOverflow(.one)
        #expect(!o && s == UInt256(limbs: 0, 0, 1, 0))
        #expect(UInt256.max.addingReportingOverflow(.one).overflow)
        #expect(UInt256.zero.subtractingReportingOverflow(.one).overflow)
        #expect(s.subtractingReportingOverflow(.one).partialValue == a)
        let m = UInt256(limbs: 0, 0, 0, 1).multipliedReportingOverflow(by: 2)
        #expect(!m.overflow && m.partialValue == UInt256(limbs: 0, 0, 0, 2))
        #expect(UInt256(limbs: 0, 0, 0, 1 << 63).multipliedReportingOverflow(by: 2).overflow)
        let q = UInt256(1_000_007).multipliedReportingOverflow(by: 999_983).partialValue
        #expect(q.quotientAndRemainder(dividingBy: UInt64(999_983)) == (UInt256(1_000_007), 0))
        let big = UInt256(limbs: 5, 6, 7, 8)
        let divisor = UInt256(limbs: 3, 9, 0, 0)
        let (qq, rr) = big.quotientAndRemainder(dividingBy: divisor)
        // q * d + r == big, r < d
        #expect(rr < divisor)
        var back = UInt256.zero
        for i in 0..<4 where qq[i] != 0 {
            // multiply divisor by the limb and shift it into place
            back =
                back.addingReportingOverflow(
                    divisor.multipliedReportingOverflow(by: qq[i]).partialValue.shiftedLeft(64 * i)
                ).partialValue
        }
        #expect(back.addingReportingOverflow(rr).partialValue == big)
    }

    @Test func hashOrderIsNumericOrder() {
        let small = Hash256(w0: 0, w1: 0, w2: 0, w3: 5)
        let large = Hash256(w0: 1, w1: 0, w2: 0, w3: 0)
        #expect(UInt256(small) < UInt256(large))
        #expect(UInt256(large).hash256 == large)
    }

    @Test func compactKnownValues() throws {
        // Bitcoin's genesis bits.
        let t = try CompactTarget.decode(0x1d00_ffff)
        #expect(t == UInt256(0xffff).shiftedLeft(208))
        #expect(CompactTarget.encode(t) == 0x1d00_ffff)
        #expect(try CompactTarget.decode(0x207f_ffff) == UInt256(0x7f_ffff).shiftedLeft(232))
        #expect(try CompactTarget.decode(0x0212_3400) == UInt256(0x1234))
        #expect(throws: CompactTarget.Error.nonCanonical(bits: 0x0300_1234)) { try CompactTarget.decode(0x0300_1234) }
        #expect(CompactTarget.encode(UInt256(0x80)) == 0x0200_8000)
        #expect(throws: CompactTarget.Error.negative(bits: 0x0480_0001)) { try CompactTarget.decode(0x0480_0001) }
        #expect(throws: CompactTarget.Error.zero(bits: 0x1d00_0000)) { try CompactTarget.decode(0x1d00_0000) }
        #expect(throws: CompactTarget.Error.overflow(bits: 0x2301_0000)) { try CompactTarget.decode(0x2301_0000) }
        #expect(throws: CompactTarget.Error.nonCanonical(bits: 0x0400_0080)) {
            try CompactTarget.decode(0x0400_0080)
        }
    }

    @Test func compactRoundTripsRandomTargets() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5_000 {
            let width = Int(rng.next() % 256) + 1
            let v = UInt256(limbs: rng.next(), rng.next(), rng.next(), rng.next()).shiftedRight(256 - width)
            guard !v.isZero else { continue }
            let bits = CompactTarget.encode(v)
            let decoded = try CompactTarget.decode(bits)
            #expect(decoded <= v)
            #expect(CompactTarget.encode(decoded) == bits)
        }
    }

    @Test func workIsTwoToThe256OverTargetPlusOne() {
        #expect(CompactTarget.work(forTarget: UInt256.max) == .one)
        // target 2^255 - 1 -> work 2
        #expect(CompactTarget.work(forTarget: UInt256.max.shiftedRight(1)) == UInt256(2))
        // target 2^224 - 1 -> work 2^32
        #expect(CompactTarget.work(forTarget: UInt256.max.shiftedRight(32)) == UInt256(1 << 32))
        #expect(CompactTarget.work(forTarget: .zero) == .max)
    }
}

/// A small deterministic PRNG for tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49eb_133b_111f
        return z ^ (z >> 31)
    }
}
