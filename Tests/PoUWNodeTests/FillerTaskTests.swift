import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWNode
import PoUWProtocol
import Testing

@Suite struct FillerTaskTests {
    @Test func fillerIsDeterministicAndOnlyAnHonestDescriptorIsAccepted() throws {
        let source = try NodeTestSupport.filler()
        let key = try LocalNetwork.key(name: "miner-1", seed: 0)
        let anchor = Genesis.block(for: .local).id
        let filler = try FillerTask.prepare(anchor: anchor, key: key, source: source)
        // Same inputs, same bytes (Ed25519 is deterministic): every node derives the same task id.
        #expect(try FillerTask.prepare(anchor: anchor, key: key, source: source).taskID == filler.taskID)
        #expect(FillerTask.isDescriptor(filler.transaction))
        #expect(filler.filler?.anchor == anchor)
        #expect(filler.escrow == .zero)
        // Another anchor or another miner: another filler (other batches, other id).
        let other = try FillerTask.prepare(anchor: Hash256.sha256([1]), key: key, source: source)
        #expect(other.taskID != filler.taskID && other.datasetRoot != filler.datasetRoot)

        let rebuilt = try FillerTask.check(filler.transaction, source: source) { $0 == anchor }
        #expect(rebuilt.taskID == filler.taskID && rebuilt.batchHashes == filler.batchHashes)
        // Unknown anchor; a forged dataset root; a paid task; the chain refuses the descriptor's sequence.
        #expect(throws: FillerTask.Rejection.self) {
            try FillerTask.check(filler.transaction, source: source) { _ in false }
        }
        guard case .payForTask(var payload) = filler.transaction.body else {
            Issue.record("not a PAY_FOR_TASK")
            return
        }
        payload.datasetRoot = Hash256.sha256([2])
        let forged = Transaction(
            body: .payForTask(payload),
            signer: key.publicKey,
            sequence: FillerTask.descriptorSequence,
            fee: .zero
        )
        .signed(with: key)
        #expect(throws: FillerTask.Rejection.self) { try FillerTask.check(forged, source: source) { $0 == anchor } }
        let paid = Transaction(body: .payForTask(payload), signer: key.publicKey, sequence: 0, fee: .zero)
            .signed(with: key)
        #expect(!FillerTask.isDescriptor(paid))
    }
}
