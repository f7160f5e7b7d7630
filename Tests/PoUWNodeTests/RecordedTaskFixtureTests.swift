import Foundation
import PoUWChain
import PoUWCore
import PoUWNode
import PoUWProtocol
import PoUWStore
import Testing

/// Hands out one object damaged (one byte flipped) or not at all: a store whose bit rot went unnoticed, or a node
/// that lacks an artefact. Verification must catch every such defect.
final class DamagedArtefacts: ArtefactSource {
    enum Damage { case flip, drop }
    let base: any ArtefactSource
    let target: Hash256
    let damage: Damage

    init(base: any ArtefactSource, target: Hash256, damage: Damage) {
        self.base = base
        self.target = target
        self.damage = damage
    }

    func bytes(for hash: Hash256) throws -> [UInt8]? {
        guard hash == target, var bytes = try base.bytes(for: hash) else { return try base.bytes(for: hash) }
        if damage == .drop { return nil }
        bytes[bytes.count / 2] ^= 0x01
        return bytes
    }
}

/// The recorded task in `Fixtures/protocol/recorded-task/`: a portable store export of a demo's archival node
/// (digits, 2 miners; filler blocks, tickets, registration and VRF selection on chain, then 14 rounds of the task,
/// blocks mined and the TASK_RESULT confirmed).
@Suite(.serialized) struct RecordedTaskFixtureTests {
    static let folder = NodeTestSupport.root.appendingPathComponent("Fixtures/protocol/recorded-task")
    static var export: String { folder.appendingPathComponent("archive.pouwexp").path }
    static var taskFile: String { folder.appendingPathComponent("task-id.txt").path }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["POUW_REGENERATE_FIXTURES"] == "1"))
    func regenerate() throws {
        let directory = try NodeTestSupport.temporaryDirectory("record")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (json, train, test) = try NodeTestSupport.digits()
        var configuration = NetworkConfiguration()
        configuration.miners = 2
        configuration.supervisors = 1
        configuration.evaluators = 1
        configuration.checkpointInterval = 1_000
        let network = try LocalNetwork(
            directory: directory,
            configuration: configuration,
            taskJSON: json,
            train: train,
            test: test,
            filler: try NodeTestSupport.filler()
        )
        for _ in 0..<14 { try network.round() }
        let result = try #require(try network.evaluate().result)
        #expect(try network.confirm(result, limit: 100))
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: Self.export)
        _ = try network.archive.store.export(to: Self.export)
        try Data((network.task.taskID.hex + "\n").utf8).write(to: URL(fileURLWithPath: Self.taskFile))
    }

    /// Imports the fixture into a fresh store and opens it for verification.
    static func imported() throws -> (StoredData, Hash256, String) {
        let directory = try NodeTestSupport.temporaryDirectory("fixture")
        do {
            let store = try Store.open(at: directory)
            _ = try store.import(from: export)
        }
        let text = try String(contentsOfFile: taskFile, encoding: .utf8)
        let task = try #require(Hash256(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)))
        return (try StoredData(path: directory), task, directory)
    }

    @Test func importedTaskReplaysValidAndEveryDamagedRecordIsCaught() throws {
        let (data, task, directory) = try Self.imported()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let chain = try data.verifyChain()
        #expect(chain.count >= 3)  // genesis, ≥ 1 training block, the TASK_RESULT's block
        #expect(chain.allSatisfy { $0.verdict == "valid" }, "\(chain.filter { $0.verdict != "valid" })")
        // The ledger replays under the economic rules: the TASK_RESULT's VRF proofs verify over the task's recorded
        // selection hash (the block that included the PAY_FOR_TASK) and the replayed state equals the stored one.
        let economics = EconomicLedgerRules(
            parameters: .preset(for: try ChainVerifier.detectParameters(data.chain)),
            checker: UnavailableEvidenceChecker()
        )
        let replay = try ChainVerifier.reindex(source: data.chain, rules: economics)
        #expect(replay.ok && replay.replayedStateHash == replay.storedStateHash, "\(replay.failure ?? "")")
        #expect(try EconomicLedgerRules.selectionHash(task: task, ledger: LedgerOverlay(base: data.chain)) != nil)
        let audit = try data.audit(task: task)
        #expect(audit.count >= 24)
        #expect(audit.allSatisfy { $0.verdict == "valid" })

        // The first block the task produced (earlier blocks were mined by fillers while the tickets matured).
        var found: (Block, IterationMessage)?
        for h in 1..<(try data.height()) where found == nil {
            let candidate = try data.block("\(h)")
            if let m = try data.protocolStore.message(candidate.header.msgHash), m.body.taskID == task {
                found = (candidate, m)
            }
        }
        let (block, message) = try #require(found)
        let body = message.body
        let base = data.protocolStore
        func verdict(_ target: Hash256, _ damage: DamagedArtefacts.Damage) -> Verdict {
            data.artefacts = DamagedArtefacts(base: base, target: target, damage: damage)
            defer { data.artefacts = base }
            return data.verify(block: block)
        }
        // A damaged message: undecodable or its signature no longer verifies.
        guard case .invalid(let m) = verdict(block.header.msgHash, .flip) else {
            Issue.record("damaged message not invalid")
            return
        }
        #expect(["message", "signature"].contains(m.field), "\(m)")
        // A damaged checkpoint: the re-run from it does not give what the message claims. (A real store re-hashes
        // on read and names the corruption before that; this source hands the damaged bytes out regardless.)
        guard case .invalid(let s) = verdict(body.stateHashBefore, .flip) else {
            Issue.record("damaged checkpoint not invalid")
            return
        }
        #expect(!["signature", "message"].contains(s.field), "\(s)")
        // A damaged batch: training on it gives other results than the message claims.
        guard case .invalid(let b) = verdict(body.batchHash, .flip) else {
            Issue.record("damaged batch not invalid")
            return
        }
        #expect(!["signature", "message"].contains(b.field), "\(b)")
        // A damaged peer message the iteration applied (if any) or the previous own message.
        if let peer = body.appliedPeerMessages.first {
            #expect(!verdict(peer, .flip).isValid)
        }
        // A damaged block header: the work no longer checks out.
        var damaged = block
        var nonce = damaged.header.nonce.bytes
        nonce[31] ^= 0x01
        damaged.header.nonce = try #require(Hash256(bytes: nonce))
        guard case .invalid = data.verify(block: damaged) else {
            Issue.record("damaged header not invalid")
            return
        }
        // A damaged PAY_FOR_TASK: the task cannot be read, so the block cannot be judged.
        #expect(!verdict(task, .flip).isValid)
        // Missing artefacts are "unavailable", never "invalid".
        #expect(verdict(body.batchHash, .drop) == .unavailable(.batch(body.batchHash)))
        #expect(verdict(block.header.msgHash, .drop) == .unavailable(.message(block.header.msgHash)))
        // The full audit catches a damaged message in the middle of the history.
        let history = try data.history(task)
        let middle = history.messages[history.count / 2]
        data.artefacts = DamagedArtefacts(base: base, target: middle, damage: .flip)
        let damagedAudit = try data.audit(task: task)
        data.artefacts = base
        #expect(damagedAudit.last?.verdict == "invalid")
    }
}
