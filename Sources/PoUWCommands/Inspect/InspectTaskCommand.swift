import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWNode
import PoUWProtocol

/// `pouw-inspect task ID`: a task's definition, participants, per-epoch metrics, the blocks it produced and, once
/// settled, its VRF selection proofs (re-checked) and payout table.
struct InspectTaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract:
            "Show a task: status, participants, metrics per epoch and miner, blocks, selection proofs and payouts.",
        discussion:
            "Example: pouw-inspect --data-dir pouw-demo task 5be1… --json (the demo's top directory reads archive/)"
    )

    @OptionGroup var data: DataDirOptions
    @Argument(help: "The task id (hex).") var task: String
    @Flag(help: "Print one JSON object.") var json = false

    struct EpochLine: Codable {
        var miner: String
        var epoch: UInt32
        var iterations: Int
        var meanLoss: Double
        var meanAccuracy: Double
        enum CodingKeys: String, CodingKey {
            case miner, epoch, iterations
            case meanLoss = "mean_loss"
            case meanAccuracy = "mean_train_accuracy"
        }
    }

    struct Output: Codable {
        var task: String
        var status: String
        var client: String?
        var escrow: String
        var datasetRoot: String
        var testSetRoot: String
        var parameters: UInt64
        var batchSize: UInt64
        var messages: Int
        var miners: [String]
        var epochs: [EpochLine]
        var blocks: [String]
        var settlement: InspectTaskSettlement?
        enum CodingKeys: String, CodingKey {
            case task, status, client, escrow, parameters, messages, miners, epochs, blocks, settlement
            case datasetRoot = "dataset_root"
            case testSetRoot = "test_set_root"
            case batchSize = "batch_size"
        }
    }

    func run() throws {
        guard let id = Hash256(hex: task) else { throw ValidationError("the task id must be 64 hex digits") }
        let stored = try StoredData(path: data.dataDir)
        let info = try stored.task(id)
        let history = try stored.history(id)
        var sums = [String: (Int, Double, Double)]()
        var miners = Set<String>()
        var order = [String]()
        for hash in history.messages {
            guard let message = try stored.protocolStore.message(hash) else { continue }
            let miner = message.body.minerKey.hex
            miners.insert(miner)
            let key = "\(miner) \(message.body.epoch)"
            if sums[key] == nil { order.append(key) }
            let old = sums[key] ?? (0, 0, 0)
            sums[key] = (old.0 + 1, old.1 + Double(message.body.loss), old.2 + Double(message.body.accuracy))
        }
        let epochs = order.map { key -> EpochLine in
            let parts = key.split(separator: " ")
            let (n, loss, accuracy) = sums[key] ?? (0, 0, 0)
            return EpochLine(
                miner: String(parts[0]),
                epoch: UInt32(parts[1]) ?? 0,
                iterations: n,
                meanLoss: loss / Double(max(1, n)),
                meanAccuracy: accuracy / Double(max(1, n))
            )
        }.sorted { ($0.miner, $0.epoch) < ($1.miner, $1.epoch) }
        var blocks = [String]()
        var settled = false
        var settlement: InspectTaskSettlement?
        let height = try stored.height()
        for h in 0..<height {
            guard let blockID = try stored.chain.mainChainId(atHeight: h), let block = try stored.block(id: blockID)
            else { continue }
            if history.contains(block.header.msgHash) { blocks.append(blockID.hex) }
            for tx in block.transactions {
                if case .taskResult(let result) = tx.body, result.taskId == id {
                    settled = true
                    settlement = try? InspectTaskSettlement.make(
                        id: id,
                        result: result,
                        resultID: tx.id,
                        stored: stored
                    )
                }
            }
        }
        let output = Output(
            task: id.hex,
            status: settled ? "settled (TASK_RESULT in a block)" : (history.count > 0 ? "training" : "registered"),
            client: info.client?.description,
            escrow: info.payForTask.escrow.description,
            datasetRoot: info.payForTask.datasetRoot.hex,
            testSetRoot: info.payForTask.testSetRoot.hex,
            parameters: info.miningParameters.parameterCount,
            batchSize: info.miningParameters.batchSize,
            messages: history.count,
            miners: miners.sorted(),
            epochs: epochs,
            blocks: blocks,
            settlement: settlement
        )
        if json {
            try JSONOutput.print(output)
            return
        }
        print("task \(output.task): \(output.status)")
        print("client \(output.client ?? "?"), escrow \(output.escrow)")
        print("model \(output.parameters) parameters, batch \(output.batchSize); \(output.messages) messages")
        print("dataset root \(output.datasetRoot)\ntest-set root \(output.testSetRoot)")
        print("miner         epoch  iters   mean loss  mean train acc")
        for line in epochs {
            print(
                String(
                    format: "%@  %5u %6d %11.4f %14.2f%%",
                    String(line.miner.prefix(12)) as NSString,
                    line.epoch + 1,
                    line.iterations,
                    line.meanLoss,
                    100 * line.meanAccuracy
                )
            )
        }
        print("blocks produced: \(blocks.count)")
        for b in blocks { print("  \(b)") }
        settlement?.printText()
    }
}
