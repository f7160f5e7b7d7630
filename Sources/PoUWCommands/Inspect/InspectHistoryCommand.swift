import ArgumentParser
import Foundation
import PoUWCore
import PoUWNode
import PoUWProtocol

/// `pouw-inspect history TASK [--miner KEY]`: the recorded message history of a task, in order, with its
/// canonical form (per-miner logs and the history root a block from each message commits to).
struct InspectHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a task's message history in recorded order (optionally one miner's messages), with its roots.",
        discussion: """
            Messages are listed in the order this node recorded them (arrival order, which differs between \
            nodes). Block headers commit to the canonical history instead: one RFC 6962 log per miner in \
            sequence order (what supervisors sign in their history checkpoints), and per message the root of \
            the vector of per-miner prefix roots it saw (`history root`, the `historyRoot` of a block mined \
            from that message: compare with `pouw-inspect block N`). See Docs/protocol.md "Message history".

            Example: pouw-inspect --data-dir pouw-demo history 5be1… --miner 3f2a… --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: "The task id (hex).") var task: String
    @Option(help: "Only this miner's messages (its public key in hex, or a prefix of it).") var miner: String?
    @Flag(help: "Print one JSON object.") var json = false

    struct Line: Codable {
        var index: Int
        var hash: String
        var miner: String
        var sequence: UInt64
        var epoch: UInt32
        var batch: UInt32
        var peers: Int
        var updateWords: Int
        var loss: Float
        var accuracy: Float
        var historyRoot: String?
        enum CodingKeys: String, CodingKey {
            case index, hash, miner, sequence, epoch, batch, peers, loss, accuracy
            case updateWords = "update_words"
            case historyRoot = "history_root"
        }
    }

    /// One miner's canonical log: its size and RFC 6962 root.
    struct MinerLog: Codable {
        var miner: String
        var size: Int
        var root: String
    }

    func run() throws {
        guard let id = Hash256(hex: task) else { throw ValidationError("the task id must be 64 hex digits") }
        let stored = try StoredData(path: data.dataDir)
        let history = try stored.history(id)
        let canonical = try stored.protocolStore.canonicalHistory(recordedFor: id)
        let logs = canonical.miners.map { key in
            let log = canonical.log(of: key)
            return MinerLog(miner: key.hex, size: log.count, root: log.root.hex)
        }
        var lines = [Line]()
        for (index, hash) in history.messages.enumerated() {
            guard let message = try stored.protocolStore.message(hash) else { continue }
            let body = message.body
            if let miner, !body.minerKey.hex.hasPrefix(miner.lowercased()) { continue }
            lines.append(
                Line(
                    index: index,
                    hash: hash.hex,
                    miner: body.minerKey.hex,
                    sequence: body.sequence,
                    epoch: body.epoch,
                    batch: body.batchIndex,
                    peers: body.appliedPeerMessages.count,
                    updateWords: body.update.count,
                    loss: body.loss,
                    accuracy: body.accuracy,
                    historyRoot: canonical.root(of: hash)?.hex
                )
            )
        }
        if json {
            try JSONOutput.print(object: [
                "task": id.hex, "size": history.count, "root": history.root.hex,
                "miners": try JSONSerialization.jsonObject(with: Data(JSONOutput.string(logs).utf8)),
                "messages": try JSONSerialization.jsonObject(with: Data(JSONOutput.string(lines).utf8)),
            ])
            return
        }
        print("task \(id.hex): \(history.count) messages, recorded-order root \(history.root.hex)")
        print("canonical logs (one per miner, sequence order):")
        for log in logs { print("  miner \(log.miner.prefix(12))  \(log.size) messages  root \(log.root)") }
        print("index  message           miner         seq  epoch  batch  peers  words      loss    acc  history root")
        for l in lines {
            print(
                String(
                    format: "%5d  %@  %@ %5llu %6u %6u %6d %6d %9.4f %5.1f%%  %@",
                    l.index,
                    String(l.hash.prefix(16)) as NSString,
                    String(l.miner.prefix(12)) as NSString,
                    l.sequence,
                    l.epoch + 1,
                    l.batch,
                    l.peers,
                    l.updateWords,
                    l.loss,
                    100 * l.accuracy,
                    String((l.historyRoot ?? "-").prefix(16)) as NSString
                )
            )
        }
    }
}
