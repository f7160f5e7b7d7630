import ArgumentParser
import Foundation
import PoUWCore
import PoUWML

/// `pouw train`: trains one model without a chain, with the same engine and bits a miner uses.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a task's model on a data set, exactly as a PoUW miner would, and print the state hash.",
        discussion: """
            The task file is the client's JSON (model, optimizer, batch size, epochs). --data is a folder of IDX \
            files (train/t10k images and labels, .gz or not), a CSV file (features…, label per line), or a \
            built-in name: fashion-mnist (Debian's dataset-fashion-mnist) or digits (the 8×8 UCI digits \
            fixture). The task's input_size must equal the data's feature count.

            Training is bit-exact: the same task, data, seed and τ give the same final state hash with any \
            --threads value, in debug or release builds. --pouw-tau T trains in PoUW mode: every iteration \
            emits a sparse ±T update of the optimizer's weight delta (residual accumulation), as miners do.

            Examples:
              pouw train --task Fixtures/tasks/digits_mlp.json --data digits --epochs 20
              pouw train --task mnist_task.json --data fashion-mnist --epochs 3 --threads 2
              pouw train --task Fixtures/tasks/digits_mlp.json --data digits --pouw-tau 0.001 --json
            """
    )

    @Option(help: "The task definition (JSON).")
    var task: String

    @Option(help: "An IDX folder, a CSV file, or a built-in name: fashion-mnist, digits.")
    var data: String

    @Option(help: "Epochs to train (default: the task's max_epochs).")
    var epochs: Int?

    @Option(help: "Worker threads for the kernels (the result is the same for any value).")
    var threads: Int = 1

    @Option(help: "The task seed: initial weights, batch composition and order, test split.")
    var seed: UInt64 = 0

    @Option(name: .customLong("pouw-tau"), help: "Train in PoUW mode with this τ (sparse ±τ updates).")
    var pouwTau: Float?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if threads < 1 || threads > 64 { throw ValidationError("--threads must be in 1…64") }
        if let pouwTau, !(pouwTau.isFinite && pouwTau > 0) { throw ValidationError("--pouw-tau must be positive") }
    }

    func run() throws {
        guard let taskBytes = FileManager.default.contents(atPath: task) else {
            throw TrainFailure("cannot read the task file \(task)")
        }
        let definition = try TaskDefinition(json: [UInt8](taskBytes))
        let loaded = try TrainData.load(data, testFraction: definition.testFraction, seed: seed)
        guard loaded.train.featureCount == definition.inputSize else {
            throw TrainFailure(
                """
                the task's model takes \(definition.inputSize) input features but \(loaded.description) has \
                \(loaded.train.featureCount) per sample; use a task whose input_size is \(loaded.train.featureCount) \
                (e.g. Fixtures/tasks/digits_mlp.json for digits)
                """
            )
        }
        guard loaded.train.classCount <= definition.outputSize else {
            throw TrainFailure(
                "the data has \(loaded.train.classCount) classes but the task's output_size is \(definition.outputSize)"
            )
        }
        let mode: ModelState.Mode = pouwTau.map { .pouw(tau: $0) } ?? .dense
        let trainer = Trainer(task: definition, seed: seed, mode: mode, threads: threads)
        let plan = BatchPlan(sampleCount: loaded.train.count, batchSize: definition.batchSize, seed: seed)
        let totalEpochs = epochs ?? definition.maxEpochs
        let progress = isatty(2) != 0 && !json
        if !json {
            print(
                """
                data: \(loaded.description): \(loaded.train.count) train, \(loaded.test.count) test samples
                model: \(trainer.architecture.parameterCount) parameters, batch \(definition.batchSize), \
                \(plan.batchCount) batches/epoch, mode \(pouwTau.map { "PoUW τ=\($0)" } ?? "dense"), \
                threads \(threads), seed \(seed)
                epoch       loss  train acc   test acc   samples/s
                """
            )
        }
        var records: [EpochRecord] = []
        for epoch in 0..<totalEpochs {
            let start = Date()
            var lossSum: Double = 0
            var correct = 0
            var seen = 0
            var overdrive = 0
            var emitted = 0
            let order = plan.order(epoch: epoch)
            for (n, b) in order.enumerated() {
                let result = try trainer.step(plan.batch(b, of: loaded.train))
                lossSum += Double(result.loss) * Double(result.rows)
                correct += result.correct
                seen += result.rows
                overdrive += result.overdrive
                emitted += result.update?.count ?? 0
                if progress && (n % 64 == 0 || n == order.count - 1) {
                    let line = String(
                        format: "\r  epoch %d: batch %d/%d  loss %.4f",
                        epoch + 1,
                        n + 1,
                        order.count,
                        lossSum / Double(seen)
                    )
                    writeStandardError(line)
                }
            }
            let seconds = Date().timeIntervalSince(start)
            if progress { writeStandardError("\r\u{1b}[K") }
            let test = try trainer.evaluate(loaded.test)
            let record = EpochRecord(
                epoch: epoch + 1,
                loss: lossSum / Double(max(1, seen)),
                trainAccuracy: Double(correct) / Double(max(1, seen)),
                testAccuracy: test.accuracy,
                testLoss: test.loss,
                samplesPerSecond: Double(seen) / max(seconds, 1e-9),
                updateWords: emitted,
                overdrive: overdrive
            )
            records.append(record)
            if !json {
                print(
                    String(
                        format: "%5d %10.4f %9.2f%% %9.2f%% %11.0f",
                        record.epoch,
                        record.loss,
                        100 * record.trainAccuracy,
                        100 * record.testAccuracy,
                        record.samplesPerSecond
                    )
                )
            }
        }
        let hash = trainer.stateHash
        let root = plan.merkleRoot(of: loaded.train)
        if json {
            let output = TrainOutput(
                task: task,
                data: loaded.description,
                seed: seed,
                threads: threads,
                mode: pouwTau == nil ? "dense" : "pouw",
                tau: pouwTau,
                parameters: trainer.architecture.parameterCount,
                steps: trainer.state.step,
                epochs: records,
                finalTestAccuracy: records.last?.testAccuracy ?? 0,
                datasetRoot: root.hex,
                stateHash: hash.hex
            )
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            print("steps: \(trainer.state.step)")
            print("train batches Merkle root: \(root.hex)")
            print("state hash: \(hash.hex)")
        }
    }
}

/// A failure of `pouw train` that is not a usage error: printed as its message, exit status 1.
struct TrainFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One epoch's figures (train accuracy and loss are running values over the epoch's batches, before each
/// batch's update; test figures are on the withheld set after the epoch).
struct EpochRecord: Encodable {
    var epoch: Int
    var loss: Double
    var trainAccuracy: Double
    var testAccuracy: Double
    var testLoss: Double
    var samplesPerSecond: Double
    var updateWords: Int
    var overdrive: Int

    enum CodingKeys: String, CodingKey {
        case epoch, loss
        case trainAccuracy = "train_accuracy"
        case testAccuracy = "test_accuracy"
        case testLoss = "test_loss"
        case samplesPerSecond = "samples_per_s"
        case updateWords = "update_words"
        case overdrive
    }
}

struct TrainOutput: Encodable {
    var task: String
    var data: String
    var seed: UInt64
    var threads: Int
    var mode: String
    var tau: Float?
    var parameters: Int
    var steps: UInt64
    var epochs: [EpochRecord]
    var finalTestAccuracy: Double
    var datasetRoot: String
    var stateHash: String

    enum CodingKeys: String, CodingKey {
        case task, data, seed, threads, mode, tau, parameters, steps, epochs
        case finalTestAccuracy = "final_test_accuracy"
        case datasetRoot = "dataset_root"
        case stateHash = "state_hash"
    }
}
