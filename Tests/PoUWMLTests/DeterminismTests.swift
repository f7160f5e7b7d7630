import Foundation
import PoUWCore
import PoUWML
import Testing

/// Golden state hashes on the digits fixture, recorded from a debug build (`POUW_RECORD_ML_GOLDENS=1 swift test
/// --filter DeterminismTests`) and asserted in every build (CI runs release).
@Suite("Determinism: golden state hashes, any thread count, any build")
struct DeterminismTests {
    static let goldenPath = TestSupport.fixture("ml/digits_golden_hashes.txt")

    /// `mode.checkpoint → hash` for dense and PoUW (τ = default) training of `Fixtures/tasks/digits_mlp.json`, seed 0:
    /// after step 1, after the first epoch (45 steps) and after step 100.
    static func compute(threads: Int) throws -> [(String, String)] {
        let task = try TestSupport.task("tasks/digits_mlp.json")
        let (train, _) = try TestSupport.digits()
        let plan = BatchPlan(sampleCount: train.count, batchSize: task.batchSize, seed: 0)
        var out: [(String, String)] = [("dataset.root", plan.merkleRoot(of: train).hex)]
        for (name, mode) in [("dense", ModelState.Mode.dense), ("pouw", .pouw(tau: task.effectiveTau))] {
            let trainer = Trainer(task: task, seed: 0, mode: mode, threads: threads)
            out.append(("\(name).step0", trainer.stateHash.hex))
            var epoch = 0
            while trainer.state.step < 100 {
                for b in plan.order(epoch: epoch) where trainer.state.step < 100 {
                    _ = try trainer.step(plan.batch(b, of: train))
                    if trainer.state.step == 1 { out.append(("\(name).step1", trainer.stateHash.hex)) }
                    if trainer.state.step == UInt64(plan.batchCount) {
                        out.append(("\(name).epoch1", trainer.stateHash.hex))
                    }
                }
                epoch += 1
            }
            out.append(("\(name).step100", trainer.stateHash.hex))
        }
        return out
    }

    @Test("golden hashes match, with 1 and with 2 threads")
    func goldens() throws {
        let one = try Self.compute(threads: 1)
        let two = try Self.compute(threads: 2)
        #expect(one.map(\.1) == two.map(\.1))
        if ProcessInfo.processInfo.environment["POUW_RECORD_ML_GOLDENS"] == "1" {
            let build = TestSupport.isReleaseBuild ? "release" : "debug"
            let text =
                "# Recorded by DeterminismTests from a \(build) build; see Fixtures/README.md.\n"
                + one.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n"
            try text.write(toFile: Self.goldenPath, atomically: true, encoding: .utf8)
        }
        let text = try String(contentsOfFile: Self.goldenPath, encoding: .utf8)
        let golden = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: " ")
            return (String(parts[0]), String(parts[1]))
        }
        #expect(golden.count == one.count)
        for (g, c) in zip(golden, one) {
            #expect(g.0 == c.0)
            #expect(g.1 == c.1, "\(g.0)")
        }
    }
}
