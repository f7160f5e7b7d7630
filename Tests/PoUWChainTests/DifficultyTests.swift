import PoUWCore
import Testing

@testable import PoUWChain

@Suite("Difficulty retarget and subsidy")
struct DifficultyTests {
    let params = ChainParameters.local  // spacing 2 s, window 10

    func times(gaps: [UInt64], start: UInt64 = 1_000) -> [UInt64] {
        var t = [start]
        for g in gaps { t.append(t.last! + g) }
        return t
    }

    @Test func noRetargetBetweenWindows() throws {
        let bits = try Difficulty.nextBits(
            height: 7,
            parentBits: 0x1e12_3456,
            recentTimes: times(gaps: [100, 100]),
            parameters: params
        )
        #expect(bits == 0x1e12_3456)
    }

    @Test func onScheduleKeepsTarget() throws {
        let bits = try Difficulty.nextBits(
            height: 20,
            parentBits: 0x1e12_3456,
            recentTimes: times(gaps: Array(repeating: 2, count: 10)),
            parameters: params
        )
        #expect(bits == 0x1e12_3456)
    }

    /// The worked example in Docs/chain.md: ten gaps of 1 s (twice as fast) halve the target.
    @Test func twiceAsFastHalvesTarget() throws {
        let bits = try Difficulty.nextBits(
            height: 20,
            parentBits: 0x1e12_3456,
            recentTimes: times(gaps: Array(repeating: 1, count: 10)),
            parameters: params
        )
        #expect(bits == 0x1e09_1a2b)
    }

    @Test func clampsAtQuarterAndFourTimes() throws {
        let fast = try Difficulty.nextBits(
            height: 20,
            parentBits: 0x1e12_3456,
            recentTimes: times(gaps: Array(repeating: 0, count: 10)),
            parameters: params
        )
        #expect(fast == CompactTarget.encode(try CompactTarget.decode(0x1e12_3456).shiftedRight(2)))
        // Gaps of 8 s (exactly 4 spacings) are counted in full: ×4.
        let slow = try Difficulty.nextBits(
            height: 20,
            parentBits: 0x1e12_3456,
            recentTimes: times(gaps: Array(repeating: 8, count: 10)),
            parameters: params
        )
        #expect(slow == 0x1e48_d158)
    }

    @Test func longGapsCountAsOneSpacing() throws {
        // Nine on-schedule gaps and one 10-hour pause: the pause counts as 2 s, the target does not move.
        var gaps: [UInt64] = Array(repeating: 2, count: 9)
        gaps.append(36_000)
        let bits = try Difficulty.nextBits(
            height: 20,
            parentBits: 0x1e12_3456,
            recentTimes: times(gaps: gaps),
            parameters: params
        )
        #expect(bits == 0x1e12_3456)
        #expect(Difficulty.countedGap(from: 10, to: 19, spacing: 2) == 2)
        #expect(Difficulty.countedGap(from: 10, to: 18, spacing: 2) == 8)
        #expect(Difficulty.countedGap(from: 10, to: 5, spacing: 2) == 0)
    }

    @Test func neverEasierThanLimit() throws {
        let bits = try Difficulty.nextBits(
            height: 20,
            parentBits: params.powLimitBits,
            recentTimes: times(gaps: Array(repeating: 8, count: 10)),
            parameters: params
        )
        #expect(bits == params.powLimitBits)
    }

    @Test func subsidyHalves() {
        #expect(params.subsidy(atHeight: 1) == 5_000_000_000)
        #expect(params.subsidy(atHeight: 99) == 5_000_000_000)
        #expect(params.subsidy(atHeight: 100) == 2_500_000_000)
        #expect(params.subsidy(atHeight: 6_400) == 0)
        #expect(params.cumulativeSubsidy(throughHeight: 0) == 0)
        #expect(params.cumulativeSubsidy(throughHeight: 101) == 99 * 5_000_000_000 + 2 * 2_500_000_000)
        var sum: UInt64 = 0
        for h in 1...450 { sum += params.subsidy(atHeight: UInt64(h)) }
        #expect(params.cumulativeSubsidy(throughHeight: 450) == sum)
    }
}
