import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWFuzzSupport
import PoUWProtocol
import PoUWStore
import Testing

@testable import PoUWNode

/// Throws random and mutated inputs at the node's decoders (`WireMessage` of every kind, `TaskManifest`): each must
/// either throw a `CanonicalDecodingError` or decode to a value whose canonical encoding is exactly the input, never
/// crash; 100,000 inputs per decoder by default, 2,000,000 with POUW_LONG_TESTS=1. Then feeds 2,000 mutated wire
/// messages (of real traffic; 20,000 long) to each of a real archive, supervisor and miner of a running digits
/// network: none may crash, each must count every undecodable message or content (`NodeStatistics.undecodable`),
/// the network must still train and every store must still verify clean. Seeded, so a failure reproduces.
@Suite("Decoder fuzz: node formats")
struct NodeDecoderFuzzTests {
    static let count = DecoderFuzz.iterations(100_000, long: 2_000_000)
    static let nodeCount = DecoderFuzz.iterations(2_000, long: 20_000)

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = NodeTestSupport.root.appendingPathComponent("Fixtures/protocol/\(name)")
        let hex = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try #require(Hex.decode(hex))
    }

    /// A signed history checkpoint and a signed attestation by a development key.
    static func signedRecords() throws -> (checkpoint: [UInt8], attestation: [UInt8]) {
        let key = try LocalNetwork.key(name: "fuzz", seed: 1)
        let nodeKey = try NodeKey(bytes: key.publicKey.bytes)
        let unsigned = HistoryCheckpoint(
            taskID: Hash256.sha256([1]),
            supervisor: nodeKey,
            miner: nodeKey,
            size: 12,
            root: Hash256.sha256([2]),
            time: 1_700_000_000_000,
            signature: try MessageSignature(bytes: [UInt8](repeating: 0, count: 64))
        )
        let checkpoint = HistoryCheckpoint(
            taskID: unsigned.taskID,
            supervisor: nodeKey,
            miner: nodeKey,
            size: unsigned.size,
            root: unsigned.root,
            time: unsigned.time,
            signature: try MessageSignature(bytes: key.sign(unsigned.signedBytes))
        )
        let attestation = BlockAttestation.sign(
            task: Hash256.sha256([1]),
            block: Hash256.sha256([3]),
            ticket: Hash256.sha256([4]),
            proof: [UInt8](repeating: 5, count: 80),
            key: key
        )
        return (checkpoint.canonicalBytes, attestation.canonicalBytes)
    }

    /// One wire message of every kind, with real content: the golden IT_RES and task manifest (and its
    /// PAY_FOR_TASK), the local genesis block, signed records.
    static func wireSeeds() throws -> [WireMessage] {
        let iteration = try fixture("iteration-message-v1.hex")
        let manifest = try fixture("task-manifest-v1.hex")
        let transaction = try TaskManifest(canonicalBytes: manifest).transaction.canonicalBytes
        let (checkpoint, attestation) = try signedRecords()
        let key = try NodeKey(bytes: [UInt8](repeating: 7, count: 32))
        return [
            .iteration(iteration),
            .block(Genesis.block(for: .local).canonicalBytes),
            .transaction(transaction),
            .checkpoint(task: Hash256.sha256([1]), miner: key, sequence: 42, state: [0x31, 1, 0, 7]),
            .selectionProof(
                task: Hash256.sha256([2]),
                ticket: Hash256.sha256([3]),
                proof: [UInt8](repeating: 9, count: 80),
                owner: key
            ),
            .getObjects(request: 7, hashes: [Hash256.sha256([4]), Hash256.sha256([5])]),
            .objects(request: 7, items: [iteration, [], [2, 3]]),
            .tip(id: Hash256.sha256([6]), height: 12),
            .historyCheckpoint(checkpoint),
            .attestation(attestation),
            .taskManifest(manifest),
            .endOfTraining(try fixture("end-of-training-v1.hex")),
            .evaluatorVote(try fixture("evaluator-vote-v1.hex")),
        ]
    }

    static let all: [DecoderFuzz.Decoder] = [
        DecoderFuzz.Decoder.canonical(WireMessage.self, "wire message") { try wireSeeds().map(\.canonicalBytes) },
        DecoderFuzz.Decoder.canonical(EvaluatorVote.self, "evaluator vote") {
            [try fixture("evaluator-vote-v1.hex")]
        },
        DecoderFuzz.Decoder.canonical(TaskManifest.self, "task manifest") {
            let manifest = try TaskManifest(canonicalBytes: try fixture("task-manifest-v1.hex"))
            let small = TaskManifest(
                transaction: manifest.transaction,
                dataSeed: 1,
                sampleCount: 3,
                batchHashes: [Hash256.sha256([1])],
                testBatchHashes: []
            )
            return [manifest.canonicalBytes, small.canonicalBytes]
        },
    ]

    @Test(arguments: all) func fuzz(decoder: DecoderFuzz.Decoder) throws {
        let problems = try decoder.fuzz(count: Self.count)
        #expect(problems.isEmpty, "\(problems)")
    }

    /// Inputs that once made a decoder misbehave, kept as fixed cases.
    @Test func regressions() throws {
        // A manifest claiming 2^20 batch hashes (`TaskManifest.maxBatches`): refused at the count, before
        // anything is allocated (`map` used to ask malloc for 32 MiB, untouched, then fail at the end of the input).
        let manifest = try TaskManifest(canonicalBytes: try Self.fixture("task-manifest-v1.hex"))
        var claim = ByteWriter()
        claim.header(tag: .taskManifest, version: TaskManifest.version)
        claim.lengthPrefixed(manifest.transaction.canonicalBytes)
        claim.u64(0)
        claim.u64(3)
        let countOffset = claim.bytes.count
        claim.length(TaskManifest.maxBatches)
        #expect(throws: CanonicalDecodingError.truncated(offset: countOffset + 3, needed: TaskManifest.maxBatches * 32))
        {
            try TaskManifest(canonicalBytes: claim.bytes)
        }
        // The same for a `getObjects` claiming 64 hashes and carrying one.
        var ask = ByteWriter()
        ask.header(tag: .wireMessage, version: WireMessage.version)
        ask.u8(5)
        ask.u64(1)
        ask.length(WireMessage.maxRequestHashes)
        ask.hash(.zero)
        #expect(throws: CanonicalDecodingError.truncated(offset: 12, needed: 63 * 32)) {
            try WireMessage(canonicalBytes: ask.bytes)
        }
    }

    /// Whether a node must count `payload` as undecodable (`NodeStatistics.undecodable`): the wire message does not
    /// decode, or its content does not (a history checkpoint only the first time those bytes arrive).
    static func isUndecodable(_ payload: [UInt8], checkpointsSeen: inout Set<Hash256>) -> Bool {
        guard let message = try? WireMessage(canonicalBytes: payload) else { return true }
        switch message {
        case .iteration(let bytes): return (try? IterationMessage(canonicalBytes: bytes)) == nil
        case .block(let bytes): return (try? Block(canonicalBytes: bytes)) == nil
        case .transaction(let bytes): return (try? Transaction(canonicalBytes: bytes)) == nil
        case .attestation(let bytes): return (try? BlockAttestation(canonicalBytes: bytes)) == nil
        case .taskManifest(let bytes): return (try? TaskManifest(canonicalBytes: bytes)) == nil
        case .endOfTraining(let bytes): return (try? EndOfTraining(canonicalBytes: bytes)) == nil
        case .evaluatorVote(let bytes): return (try? EvaluatorVote(canonicalBytes: bytes)) == nil
        case .historyCheckpoint(let bytes):
            guard checkpointsSeen.insert(Hash256.sha256(bytes)).inserted else { return false }
            return (try? HistoryCheckpoint(canonicalBytes: bytes)) == nil
        case .checkpoint, .selectionProof, .getObjects, .objects, .tip: return false
        }
    }

    /// One input for a node: on even rounds a wire message whose content (an iteration message, block,
    /// transaction, record, state, proof or fetched object) is mutated and re-wrapped with its correct length, so
    /// that the node decodes the envelope and goes on to the content; otherwise the wire bytes mutated as a whole.
    static func mutatedTraffic(_ seeds: [[UInt8]], round: Int, _ rng: inout DecoderFuzz.PRNG) -> [UInt8] {
        let seed = seeds[rng.below(seeds.count)]
        let other = seeds[rng.below(seeds.count)]
        guard round % 2 == 0, let message = try? WireMessage(canonicalBytes: seed) else {
            return DecoderFuzz.mutate(seed, other: other, &rng)
        }
        func mutated(_ bytes: [UInt8]) -> [UInt8] { DecoderFuzz.mutate(bytes, other: bytes, &rng) }
        let changed: WireMessage
        switch message {
        case .iteration(let bytes): changed = .iteration(mutated(bytes))
        case .block(let bytes): changed = .block(mutated(bytes))
        case .transaction(let bytes): changed = .transaction(mutated(bytes))
        case .historyCheckpoint(let bytes): changed = .historyCheckpoint(mutated(bytes))
        case .attestation(let bytes): changed = .attestation(mutated(bytes))
        case .taskManifest(let bytes): changed = .taskManifest(mutated(bytes))
        case .endOfTraining(let bytes): changed = .endOfTraining(mutated(bytes))
        case .evaluatorVote(let bytes): changed = .evaluatorVote(mutated(bytes))
        case .checkpoint(let task, let miner, let sequence, let state):
            changed = .checkpoint(task: task, miner: miner, sequence: sequence, state: mutated(state))
        case .selectionProof(let task, let ticket, let proof, let owner):
            changed = .selectionProof(
                task: task,
                ticket: ticket,
                proof: Array(mutated(proof).prefix(128)),
                owner: owner
            )
        case .objects(let request, let items) where !items.isEmpty:
            var items = items
            let at = rng.below(items.count)
            items[at] = mutated(items[at])
            changed = .objects(request: request, items: items)
        default: return DecoderFuzz.mutate(seed, other: other, &rng)
        }
        return changed.canonicalBytes
    }

    /// Hands `node` `count` mutations of `seeds` as if from `peer`, and checks after each that the node counted it
    /// as undecodable exactly when it is (`isUndecodable`), and as a refused message when the envelope is.
    static func feed(
        _ node: Node,
        _ count: Int,
        mutationsOf seeds: [[UInt8]],
        from peer: NodeAddress
    ) -> (wireRefused: Int, contentRefused: Int, decoded: Int, mismatches: [String]) {
        var checkpointsSeen = Set<Hash256>()
        var (wireRefused, contentRefused, decoded) = (0, 0, 0)
        var mismatches: [String] = []
        var rng = DecoderFuzz.PRNG(seed: DecoderFuzz.seed(node.name))
        for round in 0..<count {
            let input = Self.mutatedTraffic(seeds, round: round, &rng)
            let wireFailed = (try? WireMessage(canonicalBytes: input)) == nil
            let undecodable = Self.isUndecodable(input, checkpointsSeen: &checkpointsSeen)
            if wireFailed { wireRefused += 1 } else if undecodable { contentRefused += 1 } else { decoded += 1 }
            let before = node.statistics
            node.handle(input, from: peer)
            let after = node.statistics
            let expected = before.undecodable + (undecodable ? 1 : 0)
            let refusedAsMessage = !wireFailed || after.messagesRejected == before.messagesRejected + 1
            if after.undecodable != expected || !refusedAsMessage, mismatches.count < 10 {
                mismatches.append(
                    "undecodable \(before.undecodable)→\(after.undecodable), expected \(expected): \(Hex.encode(input))"
                )
            }
        }
        return (wireRefused, contentRefused, decoded, mismatches)
    }

    @Test func nodesSurviveMutatedTraffic() throws {
        let directory = try NodeTestSupport.temporaryDirectory("decoder-fuzz")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeTestSupport.network(directory: directory, miners: 2)
        // A listener hears everything the nodes broadcast while they train until a block is mined.
        let tap = try network.network.attach(NodeAddress("tap"))
        var rounds = 0
        while rounds < 60, try network.round().allSatisfy({ $0.block == nil }) { rounds += 1 }
        var traffic: [[UInt8]] = []
        while let envelope = tap.receive() { traffic.append(envelope.payload) }
        let kinds = Set(traffic.compactMap { try? WireMessage(canonicalBytes: $0) }.map { $0.canonicalBytes[2] })
        #expect(kinds.isSuperset(of: [0, 1]), "the network sent iteration messages and a block: \(kinds)")
        let manifest = network.task.manifest.canonicalBytes
        let seeds =
            traffic + [
                WireMessage.taskManifest(manifest).canonicalBytes,
                WireMessage.endOfTraining(
                    // Signed by a stranger: refused (a genuine one would end the task under the fuzz).
                    EndOfTraining.sign(task: network.task.taskID, key: try LocalNetwork.key(name: "stranger", seed: 5))
                        .canonicalBytes
                ).canonicalBytes,
                WireMessage.transaction(network.task.transaction.canonicalBytes).canonicalBytes,
                WireMessage.tip(id: network.archive.chain.tip.id, height: network.archive.chain.tip.height + 1)
                    .canonicalBytes,
                WireMessage.getObjects(request: 1, hashes: [network.archive.chain.tip.id]).canonicalBytes,
            ] + (try Self.wireSeeds().map(\.canonicalBytes))

        // The archive, a supervisor and a miner each take their own stream of mutated traffic.
        let archive = network.archive
        let peer = NodeAddress("tap")
        for node in [archive, network.supervisors[0], network.miners[0]] {
            let fed = Self.feed(node, Self.nodeCount, mutationsOf: seeds, from: peer)
            #expect(fed.mismatches.isEmpty, "\(node.name): \(fed.mismatches)")
            // Every path is taken: refused as a wire message, refused for its content, and handled in full.
            #expect(fed.wireRefused > Self.nodeCount / 10 && fed.contentRefused > Self.nodeCount / 10)
            #expect(fed.decoded > Self.nodeCount / 20)
        }

        // Mutation breaks signatures; a key can also sign its own checkpoints of the real task and a real miner's
        // log, at every size that matters (empty, one, the archive's log, one past it, the 2^48 limit) and with two
        // roots per size. An outsider's are refused (it holds no supervisor seat); a seated supervisor's are
        // handled without a crash, each conflicting pair reported as an equivocation.
        let minerKey = try #require(network.selectedMiners.first)
        let logSize = UInt64(try #require(archive.recorders[network.task.taskID]).canonical.log(of: minerKey).count)
        let equivocationsBefore = archive.checkpoints.equivocations
        let refusedBefore = archive.checkpoints.refused
        let outsider = try LocalNetwork.key(name: "outsider", seed: 5)
        let seated = try #require(
            network.supervisors.first { node in
                !(node.lifecycle.selections[network.task.taskID]?.seats(.supervisor, of: node.account).isEmpty ?? true)
            }
        )
        for (signer, sizes) in [(outsider, [UInt64(1)]), (seated.key, [])] {
            for size in sizes.isEmpty ? [0, 1, logSize, logSize + 1, UInt64(MerkleInclusionProof.maxTreeSize)] : sizes {
                for root in [Hash256.sha256([1]), Hash256.sha256([2])] {
                    let unsigned = HistoryCheckpoint(
                        taskID: network.task.taskID,
                        supervisor: try NodeKey(bytes: signer.publicKey.bytes),
                        miner: minerKey,
                        size: size,
                        root: root,
                        time: size,
                        signature: try MessageSignature(bytes: [UInt8](repeating: 0, count: 64))
                    )
                    let signed = HistoryCheckpoint(
                        taskID: unsigned.taskID,
                        supervisor: unsigned.supervisor,
                        miner: minerKey,
                        size: size,
                        root: root,
                        time: size,
                        signature: try MessageSignature(bytes: signer.sign(unsigned.signedBytes))
                    )
                    #expect(signed.hasValidSignature)
                    archive.handle(WireMessage.historyCheckpoint(signed.canonicalBytes).canonicalBytes, from: peer)
                }
            }
        }
        #expect(archive.checkpoints.refused == refusedBefore + 2, "the outsider's two checkpoints")
        #expect(archive.checkpoints.equivocations >= equivocationsBefore + 5)

        // What the archive relayed reaches the others; the network still trains and every store verifies clean.
        network.deliver()
        let recorded = archive.statistics.messagesRecorded
        try network.round()
        #expect(archive.statistics.messagesRecorded > recorded)
        for node in network.nodes {
            let report = try node.store.verify()
            #expect(report.ok, "\(node.name): \(report.problems)")
        }
    }
}
