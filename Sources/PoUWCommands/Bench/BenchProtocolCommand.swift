import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWProtocol

/// `pouw-bench protocol`: the per-message costs of the protocol layer (no training).
struct BenchProtocolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract:
            "Measure iteration-message coding, signing, supervisor checks, histories, mining and the simulated network.",
        discussion: """
            Builds realistic iteration messages (a 101,770-parameter model: 2,000 update words, 2 peer updates) and
            times each protocol operation over many repetitions; prints one JSON object with microseconds per
            operation (best of --rounds rounds). Build in release for meaningful numbers:

              swift run -c release pouw-bench protocol --json
            """
    )

    @Option(help: "Messages per round.") var messages = 300
    @Option(help: "Rounds; the best round is reported.") var rounds = 3
    @Flag(help: "Print one JSON object (the only output form; accepted for uniformity).") var json = false

    struct Report: Encodable {
        var messages: Int
        var message_bytes: Int
        var encode_us: Double
        var decode_us: Double
        var sign_us: Double
        var verify_signature_us: Double
        var supervisor_accept_us: Double
        var history_append_us: Double
        /// Adding one message to a fresh `CanonicalHistory` (the consensus form; included in supervisor_accept_us).
        var canonical_add_us: Double
        /// `CanonicalHistory.root(of:)`: a block's historyRoot as the verifier computes it, history held.
        var canonical_root_us: Double
        var inclusion_proof_us: Double
        var nonce_interval_us: Double
        var mine_attempt_us: Double
        var network_message_us: Double
    }

    func run() throws {
        guard messages > 0, rounds > 0 else { throw ValidationError("--messages and --rounds must be positive") }
        var best: Report?
        for _ in 0..<rounds {
            let report = try measure()
            best = best.map { min($0, report) } ?? report
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(best), as: UTF8.self))
    }

    private func min(_ a: Report, _ b: Report) -> Report {
        Report(
            messages: a.messages,
            message_bytes: a.message_bytes,
            encode_us: Swift.min(a.encode_us, b.encode_us),
            decode_us: Swift.min(a.decode_us, b.decode_us),
            sign_us: Swift.min(a.sign_us, b.sign_us),
            verify_signature_us: Swift.min(a.verify_signature_us, b.verify_signature_us),
            supervisor_accept_us: Swift.min(a.supervisor_accept_us, b.supervisor_accept_us),
            history_append_us: Swift.min(a.history_append_us, b.history_append_us),
            canonical_add_us: Swift.min(a.canonical_add_us, b.canonical_add_us),
            canonical_root_us: Swift.min(a.canonical_root_us, b.canonical_root_us),
            inclusion_proof_us: Swift.min(a.inclusion_proof_us, b.inclusion_proof_us),
            nonce_interval_us: Swift.min(a.nonce_interval_us, b.nonce_interval_us),
            mine_attempt_us: Swift.min(a.mine_attempt_us, b.mine_attempt_us),
            network_message_us: Swift.min(a.network_message_us, b.network_message_us)
        )
    }

    /// Microseconds per item of `body` run over `count` items.
    private func time(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000 / Double(count)
    }

    private func measure() throws -> Report {
        let n = messages
        let task = Hash256.sha256(Array("bench task".utf8))
        let keys = try (1...3).map { try Ed25519.PrivateKey(seed: [UInt8](repeating: UInt8($0), count: 32)) }
        let nodeKeys = keys.map { NodeKey($0.publicKey) }
        let batchHashes = (0..<(n + 3)).map { Hash256.sha256(Array("batch \($0)".utf8)) }
        let assignment = try SeededBatchAssignment(seed: task, miners: nodeKeys, batchCount: batchHashes.count)
        let rules = try TaskRules(
            taskID: task,
            miners: Set(nodeKeys),
            assignment: assignment,
            batchHashes: batchHashes,
            datasetRoot: TaskRules.datasetRoot(batchHashes: batchHashes),
            parameterCount: 101_770,
            tau: 0.0005
        )
        // Round-robin chains of three miners, each applying the other two's previous messages.
        var bodies: [UnsignedIterationMessage] = []
        var signedMessages: [IterationMessage] = []
        var tips: [IterationMessage?] = [nil, nil, nil]
        var chains: [[IterationMessage]] = [[], [], []]
        var applied = [[Int]](repeating: [0, 0, 0], count: 3)
        var signTime = 0.0
        for i in 0..<n {
            let m = i % 3
            let sequence = tips[m].map { $0.body.sequence + 1 } ?? 0
            let batch = assignment.batch(miner: nodeKeys[m], sequence: sequence)!
            // Every peer message not yet applied, per peer in chain order.
            var peers: [IterationMessage] = []
            for p in 0..<3 where p != m {
                peers += chains[p][applied[m][p]...]
                applied[m][p] = chains[p].count
            }
            let words = (0..<2_000).map { UInt32(($0 * 50 + i) % 101_770) }
            let update = try SparseUpdateWords(words: Array(Set(words)).sorted())
            let body = try UnsignedIterationMessage(
                taskID: task,
                minerKey: nodeKeys[m],
                epoch: batch.epoch,
                sequence: sequence,
                previousMessage: tips[m]?.hash ?? .zero,
                batchIndex: batch.index,
                batchHash: batchHashes[Int(batch.index)],
                stateHashBefore: tips[m]?.body.stateHashAfter ?? task,
                appliedPeerMessages: peers.map(\.hash),
                update: update,
                tau: 0.0005,
                learningRate: 0.001,
                loss: 0.5,
                accuracy: 0.75,
                overdrive: 0,
                stateHashAfter: Hash256.sha256(Array("state \(i)".utf8)),
                zeroNonceCommitment: .zero,
                startTime: UInt64(i) * 10,
                finishTime: UInt64(i) * 10 + 5
            )
            var message: IterationMessage?
            signTime += time(1) { message = try? body.signed(with: keys[m]) }
            guard let message else { throw ValidationError("signing failed") }
            bodies.append(body)
            signedMessages.append(message)
            tips[m] = message
            chains[m].append(message)
        }
        var encoded: [[UInt8]] = []
        let encodeUs = time(n) { encoded = signedMessages.map(\.canonicalBytes) }
        var decoded = 0
        let decodeUs = try time(n) {
            for bytes in encoded { decoded += try IterationMessage(canonicalBytes: bytes).body.update.count }
        }
        var valid = 0
        let verifyUs = time(n) { for message in signedMessages where message.hasValidSignature { valid += 1 } }
        guard valid == n, decoded > 0 else { throw ValidationError("self-check failed") }
        var recorder = HistoryRecorder(rules: rules)
        let acceptUs = try time(n) { for message in signedMessages { try recorder.accept(message) } }
        var history = MessageHistory(taskID: task)
        let appendUs = try time(n) { for message in signedMessages { try history.append(message.hash) } }
        var canonical = CanonicalHistory(taskID: task)
        let canonicalAddUs = try time(n) { for message in signedMessages { try canonical.add(message) } }
        var roots = 0
        let canonicalRootUs = time(n) {
            for message in signedMessages where recorder.canonical.root(of: message.hash) != nil { roots += 1 }
        }
        guard roots == n, canonical.count == n else { throw ValidationError("canonical history self-check failed") }
        let proofs = Swift.min(n, 50)
        let proofUs = try time(proofs) {
            for message in signedMessages.prefix(proofs) {
                let proof = try history.inclusionProof(of: message.hash)
                guard MessageHistory.verifyInclusion(messageHash: message.hash, proof: proof, root: history.root) else {
                    throw ValidationError("proof failed")
                }
            }
        }
        var bases = 0
        let intervalUs = time(n) {
            for body in bodies {
                bases &+= Int(NonceInterval(message: body, parameters: 101_770, batchSize: 32).base.w3 & 1)
            }
        }
        let template = BlockTemplate(prev: task, txRoot: task, time: 1_700_000_000, bits: 0x0300_0001)
        let attempts = n * 3
        let mineUs = time(attempts) {
            for message in signedMessages {
                _ = MiningRules.mine(
                    template: template,
                    message: message,
                    historyRoot: history.root,
                    parameters: 101_770,
                    batchSize: 32
                )
            }
        }
        let network = SimulatedNetwork(seed: 1, conditions: LinkConditions(latency: 100, jitter: 500))
        let a = try network.attach(NodeAddress("a"))
        let b = try network.attach(NodeAddress("b"))
        var received = 0
        let networkUs = try time(n) {
            for bytes in encoded {
                try a.send(bytes, to: b.address)
                network.advance(by: 50)
                while b.receive() != nil { received += 1 }
            }
            while network.deliverNext() != nil { while b.receive() != nil { received += 1 } }
        }
        guard received == n else { throw ValidationError("network lost messages") }
        return Report(
            messages: n,
            message_bytes: encoded.map(\.count).reduce(0, +) / n,
            encode_us: encodeUs,
            decode_us: decodeUs,
            sign_us: signTime / Double(n),
            verify_signature_us: verifyUs,
            supervisor_accept_us: acceptUs,
            history_append_us: appendUs,
            canonical_add_us: canonicalAddUs,
            canonical_root_us: canonicalRootUs,
            inclusion_proof_us: proofUs,
            nonce_interval_us: intervalUs,
            mine_attempt_us: mineUs,
            network_message_us: networkUs
        )
    }
}
