import ArgumentParser
import Foundation
import PoUWCore
import PoUWNode
import PoUWProtocol

/// `pouw-inspect history TASK [--miner KEY]`: the recorded message history of a task, in order.
struct InspectHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a task's message history in recorded order (optionally one miner's messages), with its root.",
        discussion: "Example: pouw-inspect --data-dir pouw-demo history 5be1… --miner 3f2a… --json"
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
        enum CodingKeys: String, CodingKey {
            case index, hash, miner, sequence, epoch, batch, peers, loss, accuracy
            case updateWords = "update_words"
        }
    }

    func run() throws {
        guard let id = Hash256(hex: task) else { throw ValidationError("the task id must be 64 hex digits") }
        let stored = try StoredData(path: data.dataDir)
        let history = try stored.history(id)
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
                    accuracy: body.accuracy
                )
            )
        }
        if json {
            try JSONOutput.print(object: [
                "task": id.hex, "size": history.count, "root": history.root.hex,
                "messages": try JSONSerialization.jsonObject(with: Data(JSONOutput.string(lines).utf8)),
            ])
            return
        }
        print("task \(id.hex): \(history.count) messages, root \(history.root.hex)")
        print("index  message           miner         seq  epoch  batch  peers  words      loss    acc")
        for l in lines {
            print(
                String(
                    format: "%5d  %@  %@ %5llu %6u %6u %6d %6d %9.4f %5.1f%%",
                    l.index,
                    String(l.hash.prefix(16)) as NSString,
                    String(l.miner.prefix(12)) as NSString,
                    l.sequence,
                    l.epoch + 1,
                    l.batch,
                    l.peers,
                    l.updateWords,
                    l.loss,
                    100 * l.accuracy
                )
            )
        }
    }
}
