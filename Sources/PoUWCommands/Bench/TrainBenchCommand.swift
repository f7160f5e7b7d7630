import ArgumentParser
import Foundation
import PoUWCore
import PoUWML

/// `pouw-bench train`: speed of the training engine on the seed's MLP (784-128-64-10, Adam).
struct TrainBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure training speed: full Adam steps at batch 32 and 64, GEMM GFLOP/s, replay latency.",
        discussion: """
            Uses the seed's MLP (784-128-64-10, Adam, lr 0.001) on synthetic batches (speed does not depend on the
            values). Each figure is the best of --repeats timed runs of about --seconds each, by the wall clock.
            The *_cpu_1thread figures divide by the process's CPU time with one thread instead: on a machine shared
            with other work they show what one core does when it is actually running. Build in release:
              swift run -c release pouw-bench train --json
            """
    )

    @Option(help: "Kernel threads (results are bit-identical for any value).")
    var threads: Int = 2

    @Option(help: "Approximate seconds per timed run.")
    var seconds: Double = 1.0

    @Option(help: "Timed runs per figure; the best is reported.")
    var repeats: Int = 3

    @Flag(help: "Print one JSON object.")
    var json = false

    static let seedTask = """
        {"model_type":"mlp","architecture":{"input_size":784,"hidden_sizes":[128,64],"output_size":10},
         "optimizer":{"type":"adam","learning_rate":0.001},"stopping_criterion":{"type":"max_epochs","max_epochs":1},
         "dataset_info":{"batch_size":BATCH}}
        """

    func validate() throws {
        if threads < 1 || threads > 64 { throw ValidationError("--threads must be in 1…64") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        let b32 = try stepsPerSecond(batch: 32, mode: .dense, threads: threads)
        let b64 = try stepsPerSecond(batch: 64, mode: .dense, threads: threads)
        let pouw32 = try stepsPerSecond(batch: 32, mode: .pouw(tau: 0.001), threads: threads)
        let gflops = gemmGFLOPS(threads: 1)
        let gflopsAll = gemmGFLOPS(threads: threads)
        let replay = try replayMilliseconds()
        let cpu32 = try stepsPerSecond(batch: 32, mode: .dense, threads: 1, clock: .cpu)
        let cpu64 = try stepsPerSecond(batch: 64, mode: .dense, threads: 1, clock: .cpu)
        let cpuGemm = gemmGFLOPS(threads: 1, clock: .cpu)
        let result: [(String, String)] = [
            ("samples_per_s_b32", String(format: "%.0f", b32)),
            ("samples_per_s_b64", String(format: "%.0f", b64)),
            ("samples_per_s_b32_pouw", String(format: "%.0f", pouw32)),
            ("gemm_gflops", String(format: "%.2f", gflops)),
            ("gemm_gflops_all_threads", String(format: "%.2f", gflopsAll)),
            ("replay_step_ms", String(format: "%.3f", replay)),
            ("samples_per_s_b32_cpu_1thread", String(format: "%.0f", cpu32)),
            ("samples_per_s_b64_cpu_1thread", String(format: "%.0f", cpu64)),
            ("gemm_gflops_cpu_1thread", String(format: "%.2f", cpuGemm)),
            ("threads", "\(threads)"),
            ("repeats", "\(repeats)"),
        ]
        if json {
            print("{" + result.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
        } else {
            for (k, v) in result { print("\(k.padding(toLength: 26, withPad: " ", startingAt: 0)) \(v)") }
        }
    }

    private func task(batch: Int) throws -> TaskDefinition {
        try TaskDefinition(json: Array(Self.seedTask.replacingOccurrences(of: "BATCH", with: "\(batch)").utf8))
    }

    private func syntheticBatches(batch: Int, count: Int) throws -> [Batch] {
        let random = CounterRandom(seed: 7, stream: .batchComposition, substream: 99)
        return try (0..<count).map { b in
            let features = (0..<batch * 784).map { random.unitFloat(UInt64(b * batch * 784 + $0)) }
            let labels = (0..<batch).map { UInt8(random.below(10, counter: UInt64(1 << 40 + b * batch + $0))) }
            return try Batch(featureCount: 784, labels: labels, features: features)
        }
    }

    private func best(_ body: () throws -> Double) rethrows -> Double {
        var result = 0.0
        for _ in 0..<repeats { result = max(result, try body()) }
        return result
    }

    enum Clock {
        case wall, cpu

        /// Seconds on this clock (CPU: the whole process's CPU time).
        var now: Double {
            var t = timespec()
            clock_gettime(self == .wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
    }

    private func stepsPerSecond(
        batch: Int,
        mode: ModelState.Mode,
        threads: Int,
        clock: Clock = .wall
    ) throws -> Double {
        let definition = try task(batch: batch)
        let trainer = Trainer(task: definition, seed: 1, mode: mode, threads: threads)
        let batches = try syntheticBatches(batch: batch, count: 16)
        for b in batches { _ = try trainer.step(b) }  // warm up
        return try best {
            var steps = 0
            let start = clock.now
            let wallStart = Clock.wall.now
            while Clock.wall.now - wallStart < seconds {
                for b in batches { _ = try trainer.step(b) }
                steps += batches.count
            }
            return Double(steps * batch) / (clock.now - start)
        }
    }

    private func gemmGFLOPS(threads: Int, clock: Clock = .wall) -> Double {
        let (m, n, k) = (64, 128, 784)
        let random = CounterRandom(seed: 3, stream: .initialWeights)
        let a = (0..<m * k).map { random.unitFloat(UInt64($0)) - 0.5 }
        let b = (0..<k * n).map { random.unitFloat(UInt64(1 << 30 + $0)) - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        let pool = WorkerPool(threads: threads)
        return best {
            var calls = 0
            let start = clock.now
            let wallStart = Clock.wall.now
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        let op = GEMM.Operands(
                            m: m,
                            n: n,
                            k: k,
                            a: ap.baseAddress!,
                            aRowStride: k,
                            aColStride: 1,
                            b: bp.baseAddress!,
                            ldb: n,
                            c: cp.baseAddress!,
                            ldc: n
                        )
                        while Clock.wall.now - wallStart < seconds / 2 {
                            for _ in 0..<50 { GEMM.multiply(op, pool: pool) }
                            calls += 50
                        }
                    }
                }
            }
            return 2.0 * Double(m * n * k) * Double(calls) / (clock.now - start) / 1e9
        }
    }

    /// Milliseconds for: decode a serialised state, build the replica, run one batch-32 iteration, hash the state.
    private func replayMilliseconds() throws -> Double {
        let definition = try task(batch: 32)
        let trainer = Trainer(task: definition, seed: 1, mode: .pouw(tau: 0.001), threads: threads)
        let batches = try syntheticBatches(batch: 32, count: 4)
        for b in batches { _ = try trainer.step(b) }
        let bytes = trainer.state.canonicalBytes
        let next = batches[0]
        let rate = try best {
            let runs = 20
            let start = Clock.wall.now
            for _ in 0..<runs {
                let replica = try Trainer(task: definition, stateBytes: bytes, threads: threads)
                _ = try replica.step(next)
                _ = replica.stateHash
            }
            return Double(runs) / (Clock.wall.now - start)
        }
        return 1000 / rate
    }
}
