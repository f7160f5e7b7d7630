import Foundation
import PoUWCore
import PoUWML

/// Shared helpers: fixture paths (from this file's location) and small builders.
enum TestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func fixture(_ relative: String) -> String {
        packageRoot.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    static let digitsPath = fixture("digits/digits.csv.gz")
    static let fashionFolder = "/usr/share/datasets/fashion-mnist"

    static var fashionAvailable: Bool {
        FileManager.default.fileExists(atPath: "\(fashionFolder)/train-images-idx3-ubyte.gz")
    }

    static var isReleaseBuild: Bool {
        #if DEBUG
        false
        #else
        true
        #endif
    }

    static func task(_ relative: String) throws -> TaskDefinition {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture(relative)))
        return try TaskDefinition(json: [UInt8](data))
    }

    static func task(json: String) throws -> TaskDefinition {
        try TaskDefinition(json: Array(json.utf8))
    }

    /// The digits data split as `pouw train --data digits --seed seed` splits it.
    static func digits(seed: UInt64 = 0) throws -> (train: Dataset, test: Dataset) {
        try CSV.load(path: digitsPath).split(testFraction: 0.2, seed: seed)
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pouw-ml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a shell command (only used to drive the real `gzip` tool), returning its exit status.
    @discardableResult
    static func shell(_ command: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Trains `epochs` epochs like `pouw train` does; returns the trainer.
    static func train(
        _ task: TaskDefinition,
        on train: Dataset,
        epochs: Int,
        seed: UInt64 = 0,
        mode: ModelState.Mode = .dense,
        threads: Int = 1,
        stopAfterSteps: Int? = nil
    ) throws -> Trainer {
        let trainer = Trainer(task: task, seed: seed, mode: mode, threads: threads)
        let plan = BatchPlan(sampleCount: train.count, batchSize: task.batchSize, seed: seed)
        for epoch in 0..<epochs {
            for b in plan.order(epoch: epoch) {
                if let stop = stopAfterSteps, trainer.state.step >= UInt64(stop) { return trainer }
                _ = try trainer.step(plan.batch(b, of: train))
            }
        }
        return trainer
    }
}
