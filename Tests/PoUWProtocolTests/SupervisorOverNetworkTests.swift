import PoUWCore
import PoUWProtocol
import Testing

@Suite struct SupervisorOverNetworkTests {
    /// Three miners' rounds (each applying the others' previous round), sent as canonical bytes to a supervisor
    /// over a network that delays and reorders; returns the supervisor's recorder after everything is delivered.
    static func run(seed: UInt64, conditions: LinkConditions, rounds: Int = 5) throws -> (HistoryRecorder, Int) {
        var group = TaskGroup()
        let network = SimulatedNetwork(seed: seed, conditions: conditions)
        let miners = try (0..<3).map { try network.attach(NodeAddress("miner-\($0)")) }
        let supervisorAddress = NodeAddress("supervisor")
        let supervisor = try network.attach(supervisorAddress)
        var recorder = HistoryRecorder(rules: group.rules)
        var last: [IterationMessage] = []
        var sent = 0
        func drain() throws {
            while let envelope = supervisor.receive() {
                let message = try IterationMessage(canonicalBytes: envelope.payload)
                let result = recorder.offer(message)
                #expect(result.rejected == nil)
            }
        }
        for _ in 0..<rounds {
            var round: [IterationMessage] = []
            for m in 0..<3 {
                let message = group.advance(m, peers: last.filter { $0.body.minerKey != group.keys[m] })
                try miners[m].send(message.canonicalBytes, to: supervisorAddress)
                sent += 1
                round.append(message)
            }
            last = round
            network.advance(by: 500)
            try drain()
        }
        while network.deliverNext() != nil { try drain() }
        return (recorder, sent)
    }

    @Test func reorderedDeliveryStillRecordsEverythingInADependencyOrder() throws {
        let rough = LinkConditions(latency: 200, jitter: 3_000, reorderPerMillion: 200_000, reorderDelay: 5_000)
        let (first, sent) = try Self.run(seed: 1, conditions: rough)
        #expect(first.history.count == sent)
        #expect(first.heldCount == 0)
        let (second, _) = try Self.run(seed: 2, conditions: rough)
        #expect(second.history.count == sent)
        // Different arrival orders give different (each valid) histories; the same seed gives the same one.
        #expect(first.history.messages != second.history.messages)
        #expect(Set(first.history.messages) == Set(second.history.messages))
        let (again, _) = try Self.run(seed: 1, conditions: rough)
        #expect(again.history.root == first.history.root)
    }

    @Test func lossLeavesAConsistentPrefixPerMiner() throws {
        let lossy = LinkConditions(latency: 200, jitter: 1_000, lossPerMillion: 150_000)
        let (recorder, sent) = try Self.run(seed: 5, conditions: lossy, rounds: 6)
        #expect(recorder.history.count < sent)
        // Whatever was recorded is each miner's chain from sequence 0 without gaps.
        for tip in recorder.tips.values {
            #expect(tip.sequence + 1 <= 6)
        }
        #expect(recorder.history.count == recorder.tips.values.reduce(0) { $0 + Int($1.sequence) + 1 })
    }
}
