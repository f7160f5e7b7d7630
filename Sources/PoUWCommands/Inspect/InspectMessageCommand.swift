import ArgumentParser
import Foundation
import PoUWCore
import PoUWNode
import PoUWProtocol

/// `pouw-inspect message HASH`: every field of one iteration message.
struct InspectMessageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message",
        abstract: "Show every field of one iteration message (IT_RES) and whether its signature verifies.",
        discussion: "Example: pouw-inspect --data-dir pouw-demo message 9c0d… --json"
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: "The message hash (hex).") var hash: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        guard let id = Hash256(hex: hash) else { throw ValidationError("the message hash must be 64 hex digits") }
        let stored = try StoredData(path: data.dataDir)
        guard let message = try stored.protocolStore.message(id) else {
            throw CommandFailure("no message \(id.hex) in \(stored.directory)")
        }
        let b = message.body
        let fields: [(String, Any)] = [
            ("hash", id.hex), ("task", b.taskID.hex), ("miner", b.minerKey.hex), ("epoch", Int(b.epoch)),
            ("sequence", Int(b.sequence)), ("previous_message", b.previousMessage.hex),
            ("batch_index", Int(b.batchIndex)), ("batch_hash", b.batchHash.hex),
            ("state_hash_before", b.stateHashBefore.hex), ("state_hash_after", b.stateHashAfter.hex),
            ("applied_peer_messages", b.appliedPeerMessages.map(\.hex)), ("update_words", b.update.count),
            ("tau", Double(b.tau)), ("learning_rate", Double(b.learningRate)), ("loss", Double(b.loss)),
            ("accuracy", Double(b.accuracy)), ("overdrive", Int(b.overdrive)),
            ("zero_nonce_commitment", b.zeroNonceCommitment.hex), ("start_time_ms", Int(b.startTime)),
            ("finish_time_ms", Int(b.finishTime)), ("signature_valid", message.hasValidSignature),
        ]
        if json {
            try JSONOutput.print(object: Dictionary(uniqueKeysWithValues: fields))
        } else {
            for (name, value) in fields { print("\(name): \(value)") }
        }
    }
}
