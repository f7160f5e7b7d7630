import PoUWCore
import PoUWProtocol
import Testing

@Suite struct WorkerSelectionTests {
    @Test func selectionIsDeterministicOrderFreeAndRoleSpecific() {
        let candidates = (1...10).map { Samples.key(UInt8($0)) }
        let seed = Samples.h("task seed")
        let miners = WorkerSelection.select(seed: seed, role: .miner, candidates: candidates, count: 3)
        #expect(miners.count == 3)
        #expect(
            WorkerSelection.select(seed: seed, role: .miner, candidates: candidates.reversed() + candidates, count: 3)
                == miners
        )
        let scores = miners.map { WorkerSelection.score(seed: seed, role: .miner, key: $0) }
        #expect(scores == scores.sorted())
        let worst = candidates.filter { !miners.contains($0) }.map {
            WorkerSelection.score(seed: seed, role: .miner, key: $0)
        }
        #expect(worst.allSatisfy { $0 > scores.last! })
        #expect(
            WorkerSelection.select(seed: seed, role: .supervisor, candidates: candidates, count: 10)
                != WorkerSelection.select(seed: seed, role: .miner, candidates: candidates, count: 10)
        )
        #expect(
            WorkerSelection.select(seed: Samples.h("other"), role: .miner, candidates: candidates, count: 3) != miners
        )
        #expect(WorkerSelection.select(seed: seed, role: .miner, candidates: candidates, count: 20).count == 10)
        #expect(WorkerSelection.select(seed: seed, role: .miner, candidates: [], count: 3).isEmpty)
    }
}
