import PoUWCore
import PoUWProtocol
import Testing

@Suite struct VerdictTests {
    typealias Edit = (String, @Sendable (inout UnsignedIterationMessage) -> Void)

    /// One edit per field, in canonical order.
    static let edits: [Edit] = [
        ("taskID", { $0.taskID = Samples.h("x") }),
        ("minerKey", { $0.minerKey = Samples.key(1) }),
        ("epoch", { $0.epoch += 1 }),
        ("sequence", { $0.sequence += 1 }),
        ("previousMessage", { $0.previousMessage = Samples.h("x") }),
        ("batchIndex", { $0.batchIndex += 1 }),
        ("batchHash", { $0.batchHash = Samples.h("x") }),
        ("stateHashBefore", { $0.stateHashBefore = Samples.h("x") }),
        ("appliedPeerMessages", { $0.appliedPeerMessages.reverse() }),
        ("update", { $0.update = .empty }),
        ("tau", { $0.tau = 0.02 }),
        ("learningRate", { $0.learningRate = 0.002 }),
        ("loss", { $0.loss = $0.loss.nextUp }),
        ("accuracy", { $0.accuracy = 0.25 }),
        ("overdrive", { $0.overdrive += 1 }),
        ("stateHashAfter", { $0.stateHashAfter = Samples.h("x") }),
        ("zeroNonceCommitment", { $0.zeroNonceCommitment = Samples.h("x") }),
        ("startTime", { $0.startTime -= 1 }),
        ("finishTime", { $0.finishTime += 1 }),
    ]

    @Test func firstDifferenceNamesEachFieldInOrder() {
        let base = Samples.body(sequence: 2, previous: Samples.h("p"))
        #expect(base.firstDifference(from: base) == nil)
        for (name, edit) in Self.edits {
            var other = base
            edit(&other)
            #expect(base.firstDifference(from: other)?.field == name)
        }
        // Two differences: the earlier field is reported.
        var two = base
        two.overdrive += 1
        two.batchIndex += 1
        let mismatch = base.firstDifference(from: two)
        #expect(
            mismatch == Mismatch(field: "batchIndex", claimed: "\(base.batchIndex)", found: "\(base.batchIndex + 1)")
        )
    }

    @Test func memoryArtefactsAreContentAddressed() {
        let artefacts = MemoryArtefacts()
        let message = Samples.message(sequence: 0)
        let hash = artefacts.put(message)
        #expect(hash == message.hash)
        #expect(artefacts.bytes(for: hash) == message.canonicalBytes)
        artefacts.remove(hash)
        #expect(artefacts.bytes(for: hash) == nil)
        #expect(Verdict.unavailable(.message(hash)).description.hasPrefix("unavailable: message"))
    }
}
