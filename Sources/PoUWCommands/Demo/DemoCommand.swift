import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWML
import PoUWNode
import PoUWProtocol

/// `pouw demo`: a local PoUW network training the seed's task on real data, mining and verifying blocks.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a local PoUW network: miners train a client's task on real data and mine blocks with it.",
        discussion: """
            Miners first mine filler tasks while every worker buys tickets; then a client pays for the seed's \
            MNIST-like task (PAY_FOR_TASK with the dataset and test-set roots); every node derives the VRF \
            selection from the chain; the selected miners train replicas of the same model on their assigned batches, \
            exchange signed ±τ updates (IT_RES) and try the few nonces each iteration gives them against the \
            chain target; supervisors record every message; every node replays the iteration behind each block \
            before accepting it and audits earlier iterations drawn from its hash; at the end the evaluators test every miner's model on the withheld test set and \
            a TASK_RESULT pays the fee out. Nodes reach each other only through the in-process network's \
            transport: a node that lacks a message, model state, batch or block fetches it by hash from its peers. \
            By default every link is perfect (1 ms); --loss, --reorder, --jitter-ms and --latency-ms make the \
            links lossy (seeded by --seed, so a run reproduces) and the nodes recover what is lost. Each node has its own directory under --data-dir, plus archive/, \
            which keeps everything: go on with `pouw-replay --data-dir DIR chain` or `pouw-inspect --data-dir DIR \
            task ID`. Ctrl-C stops cleanly (a second Ctrl-C exits at once; everything handled is committed).

            Examples:
              pouw demo
              pouw demo --duration 60 --dataset digits --data-dir /tmp/pouw-demo
              pouw demo --miners 2 --dataset digits --iterations 200 --json
              pouw demo --dataset digits --duration 30 --cheaters 1   # watch a cheat get proven and slashed
              pouw demo --dataset digits --duration 40 --loss 0.05 --reorder 0.05 --jitter-ms 3   # lossy links
            """
    )

    @Option(help: "Number of miners.") var miners = 3
    @Option(help: "Number of supervisors.") var supervisors = 2
    @Option(help: "Number of evaluators (a majority of them signs the TASK_RESULT).") var evaluators = 1
    @Option(help: "Seconds of training before evaluation.") var duration: Double = 90
    @Option(help: "fashion-mnist, digits, an IDX folder or a CSV file.") var dataset = "fashion-mnist"
    @Option(help: "The task JSON (default: the seed's MNIST task; for digits its 64-input variant).") var task: String?
    @Option(
        name: .customLong("data-dir"),
        help:
            "Where the nodes' directories go (must be new or empty; default: the first of ./pouw-demo, ./pouw-demo-2, … that is)."
    )
    var dataDirOption: String?
    @Option(help: "Stop after this many rounds (one iteration per miner each) even before --duration.")
    var iterations: Int?
    @Option(name: .customLong("checkpoint-every"), help: "Miners store their full state every N messages.")
    var checkpointEvery: UInt64 = 100
    @Option(help: "Seed of the node keys, batch plan and network.") var seed: UInt64 = 0
    @Option(
        help: """
            Let this many selected miners cheat (train with 4× the task's learning rate and broadcast the blocks \
            their own replay refuses): honest nodes refuse the blocks, prove the cheat by replay and slash the \
            cheaters' stakes once the task settles.
            """
    )
    var cheaters = 0
    @Option(help: "Fraction of messages each link loses, 0…0.5 (e.g. 0.02).") var loss: Double = 0
    @Option(help: "Fraction of messages held back 10 ms so later ones overtake them, 0…1.") var reorder: Double = 0
    @Option(name: .customLong("jitter-ms"), help: "Extra random delay per message, 0…10000 milliseconds.")
    var jitterMs: Double = 0
    @Option(name: .customLong("latency-ms"), help: "One-way delay of every link, milliseconds.")
    var latencyMs: Double = 1
    @Flag(help: "Print one JSON report instead of the live view and table.") var json = false

    func validate() throws {
        guard (1...16).contains(miners) else { throw ValidationError("--miners must be in 1…16") }
        guard (1...8).contains(supervisors) else { throw ValidationError("--supervisors must be in 1…8") }
        guard (1...8).contains(evaluators) else { throw ValidationError("--evaluators must be in 1…8") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        guard (0...0.5).contains(loss) else { throw ValidationError("--loss must be in 0…0.5") }
        guard (0...1).contains(reorder) else { throw ValidationError("--reorder must be in 0…1") }
        guard (0...10_000).contains(jitterMs) else { throw ValidationError("--jitter-ms must be in 0…10000") }
        guard (0...10_000).contains(latencyMs) else { throw ValidationError("--latency-ms must be in 0…10000") }
        guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be at least 1") }
        guard (0..<miners).contains(cheaters) else {
            throw ValidationError("--cheaters must be in 0…\(miners - 1) (at least one miner stays honest)")
        }
    }

    func taskJSON() throws -> [UInt8] {
        if let task {
            guard let data = FileManager.default.contents(atPath: task) else {
                throw ValidationError("cannot read the task file \(task)")
            }
            return [UInt8](data)
        }
        return Array(((dataset == "digits" ? DemoTasks.digits : DemoTasks.seedMNIST) + "\n").utf8)
    }

    static func isFree(_ path: String) -> Bool {
        guard let existing = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            return !FileManager.default.fileExists(atPath: path)
        }
        return existing.isEmpty
    }

    func run() throws {
        let dataDir: String
        if let dataDirOption {
            guard Self.isFree(dataDirOption) else {
                throw ValidationError(
                    "\(dataDirOption) is not empty (it may hold an earlier demo); choose another --data-dir"
                )
            }
            dataDir = dataDirOption
        } else {
            dataDir =
                (1...10_000).lazy.map { $0 == 1 ? "pouw-demo" : "pouw-demo-\($0)" }.first(where: Self.isFree)
                ?? "pouw-demo"
        }
        let taskBytes = try taskJSON()
        let definition = try TaskDefinition(json: taskBytes)
        let data = try TrainData.load(dataset, testFraction: definition.testFraction, seed: seed)
        var configuration = NetworkConfiguration()
        configuration.miners = miners
        configuration.supervisors = supervisors
        configuration.evaluators = evaluators
        configuration.seed = seed
        configuration.checkpointInterval = checkpointEvery
        configuration.lossPerMillion = UInt32((loss * 1_000_000).rounded())
        configuration.reorderPerMillion = UInt32((reorder * 1_000_000).rounded())
        configuration.jitterMicroseconds = UInt64((jitterMs * 1_000).rounded())
        configuration.latencyMicroseconds = UInt64((latencyMs * 1_000).rounded())
        let stop = StopSignal()
        let started = Date()
        let view = DemoLiveView(enabled: !self.json)
        view.say("preparing: \(data.description), \(data.train.count) train / \(data.test.count) test samples")
        let network = try LocalNetwork(
            directory: dataDir,
            configuration: configuration,
            taskJSON: taskBytes,
            train: data.train,
            test: data.test,
            filler: try DemoTasks.filler()
        )
        view.say(
            """
            task \(network.task.taskID.short): \(network.task.batches.count) batches of \(definition.batchSize), \
            \(network.task.miningParameters.parameterCount) parameters, τ \(network.task.tau); \
            \(miners) miners, \(supervisors) supervisors, \(evaluators) evaluators, archive → \(dataDir)
            """
        )
        if cheaters > 0 {
            let names = try network.startCheating(miners: cheaters).map(\.name)
            view.say("cheating from now on: \(names.joined(separator: ", ")) (4× the task's learning rate)")
        }
        let trainStart = Date()
        while !stop.requested && Date().timeIntervalSince(trainStart) < duration {
            if let iterations, network.rounds - network.bootstrapRounds >= iterations { break }
            if network.mustSettle() {
                view.say("the seat tickets expire at height \(network.seatExpiryHeight ?? 0): settling now")
                break
            }
            try network.round()
            view.update(network, elapsed: Date().timeIntervalSince(trainStart))
        }
        let interrupted = stop.requested
        view.finishLive()
        view.say(interrupted ? "interrupted: evaluating what was trained" : "training time is up: evaluating")
        // An evaluation that ends without a TASK_RESULT still leaves a summary (and everything stored so far).
        let evaluation: LocalNetwork.Evaluation
        var evaluationFailure: String?
        do { evaluation = try network.evaluate() } catch let failure as LocalNetwork.Failure {
            view.say("no TASK_RESULT: \(failure)")
            evaluationFailure = "\(failure)"
            evaluation = .none
        }
        var confirmed = false
        if let result = evaluation.result, !interrupted {
            confirmed = try network.confirm(result, limit: 400)
            if confirmed && !network.cheaters.isEmpty {
                view.say("task settled: waiting for the honest nodes' EVIDENCE to be mined")
                let slashed = try network.awaitSlashing(limit: 400)
                view.say(slashed ? "every cheater's stake is slashed" : "EVIDENCE not mined within 400 rounds")
            }
        }
        network.synchronize()
        let report = try DemoSummary.report(
            network: network,
            evaluation: evaluation,
            dataset: data.description,
            task: task
                ?? (dataset == "digits"
                    ? "built-in digits task (Fixtures/tasks/digits_mlp.json)" : "the seed's mnist_task.json"),
            seconds: Date().timeIntervalSince(started),
            interrupted: interrupted,
            confirmed: confirmed
        )
        let reportJSON = try JSONOutput.string(report)
        try Data((reportJSON + "\n").utf8).write(to: URL(fileURLWithPath: dataDir + "/demo-report.json"))
        if self.json {
            print(reportJSON)
        } else {
            DemoSummary.printTable(report)
        }
        if let evaluationFailure { throw CommandFailure("the task was not settled: \(evaluationFailure)") }
    }
}
