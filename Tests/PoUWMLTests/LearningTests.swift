import Foundation
import PoUWML
import Testing

@Suite("Real learning on real data")
struct LearningTests {
    /// Release builds (CI) train the full schedule and check the figures; debug builds, where the SIMD
    /// kernels run some 50× slower, train a reduced schedule with a lower bar.
    static let full = TestSupport.isReleaseBuild

    @Test("digits: dense ≥ 95 % test accuracy; PoUW ±τ within 1 point of dense at equal epochs")
    func digits() throws {
        let task = try TestSupport.task("tasks/digits_mlp.json")
        let (train, test) = try TestSupport.digits()
        let epochs = Self.full ? task.maxEpochs : 4
        let dense = try TestSupport.train(task, on: train, epochs: epochs, threads: 2)
        let denseAccuracy = try dense.evaluate(test).accuracy
        #expect(denseAccuracy >= (Self.full ? 0.95 : 0.85), "dense \(denseAccuracy)")
        let pouw = try TestSupport.train(
            task,
            on: train,
            epochs: epochs,
            mode: .pouw(tau: task.effectiveTau),
            threads: 2
        )
        let pouwAccuracy = try pouw.evaluate(test).accuracy
        #expect(
            pouwAccuracy >= denseAccuracy - (Self.full ? 0.01 : 0.03),
            "PoUW \(pouwAccuracy) vs dense \(denseAccuracy)"
        )
    }

    @Test("digits with a small CNN and SGD with momentum learns")
    func cnnDigits() throws {
        let task = try TestSupport.task("tasks/digits_cnn.json")
        let (train, test) = try TestSupport.digits()
        let trainer = try TestSupport.train(task, on: train, epochs: Self.full ? task.maxEpochs : 1, threads: 2)
        let accuracy = try trainer.evaluate(test).accuracy
        #expect(accuracy >= (Self.full ? 0.95 : 0.5), "CNN \(accuracy)")
    }

    @Test(
        "Fashion-MNIST, the seed's MLP: ≥ 85 % test accuracy after 3 epochs (release, when installed)",
        .enabled(if: TestSupport.fashionAvailable && TestSupport.isReleaseBuild)
    )
    func fashion() throws {
        let task = try TestSupport.task(json: TaskDefinitionTests.seed)
        let (train, test) = try IDX.loadFolder(TestSupport.fashionFolder)
        let trainer = try TestSupport.train(task, on: train, epochs: 3, threads: 2)
        let accuracy = try trainer.evaluate(test).accuracy
        #expect(accuracy >= 0.85, "Fashion-MNIST \(accuracy)")
    }

    @Test("gradients match central finite differences (MLP and CNN)")
    func gradientCheck() throws {
        let (train, _) = try TestSupport.digits()
        for file in ["tasks/digits_mlp.json", "tasks/digits_cnn.json"] {
            let task = try TestSupport.task(file)
            let architecture = Architecture(model: task.model)
            let network = Network(architecture: architecture, maxBatch: 8, pool: WorkerPool(threads: 1))
            var p = architecture.initialParameters(seed: 5)
            // Positive biases keep blank (all-zero) patches off the ReLU kink at exactly 0.
            for t in architecture.tensors where t.fanIn == 0 {
                for i in t.offset..<t.offset + t.count { p[i] = 0.05 }
            }
            var g = [Float](repeating: 0, count: p.count)
            let x = Array(train.features[0..<8 * 64])
            let y = Array(train.labels[0..<8])
            func loss(_ params: [Float], gradient: UnsafeMutablePointer<Float>? = nil) -> Float {
                params.withUnsafeBufferPointer { pp in
                    x.withUnsafeBufferPointer { xp in
                        y.withUnsafeBufferPointer { yp in
                            network.run(
                                parameters: pp.baseAddress!,
                                features: xp.baseAddress!,
                                labels: yp.baseAddress!,
                                rows: 8,
                                gradient: gradient
                            ).loss
                        }
                    }
                }
            }
            g.withUnsafeMutableBufferPointer { _ = loss(p, gradient: $0.baseAddress!) }
            // The largest gradients of each tensor (away from ReLU kinks in practice).
            var checked = 0
            for t in architecture.tensors {
                let range = t.offset..<t.offset + t.count
                guard let i = range.max(by: { abs(g[$0]) < abs(g[$1]) }), abs(g[i]) > 1e-3 else { continue }
                let h: Float = 1e-2
                let saved = p[i]
                p[i] = saved + h
                let up = loss(p)
                p[i] = saved - h
                let down = loss(p)
                p[i] = saved
                let numeric = (up - down) / (2 * h)
                #expect(abs(numeric - g[i]) <= 0.05 * abs(g[i]) + 2e-3, "\(file) \(t.name): \(numeric) vs \(g[i])")
                checked += 1
            }
            #expect(checked >= 4)
        }
    }
}
