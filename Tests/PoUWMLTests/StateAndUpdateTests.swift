import PoUWCore
import PoUWML
import Testing

@Suite("Model state and sparse update formats")
struct StateAndUpdateTests {
    static func digitsTask() throws -> TaskDefinition { try TestSupport.task("tasks/digits_mlp.json") }

    @Test("sparse update words: sorted, in range, one sign per index; canonical round trip")
    func sparseUpdate() throws {
        let u = try SparseUpdate(tau: 0.5, parameterCount: 100, words: [1, 7, 99, 0x8000_0002, 0x8000_0050])
        #expect(try SparseUpdate(canonicalBytes: u.canonicalBytes) == u)
        #expect(u.canonicalBytes[0] == RecordTag.sparseUpdate.rawValue)
        #expect(
            throws: CanonicalDecodingError.invalidValue(
                field: "sparseUpdate.words",
                reason: "word 1 has parameter index 100, out of range for 100 parameters"
            )
        ) {
            try SparseUpdate(tau: 0.5, parameterCount: 100, words: [1, 100])
        }
        #expect(
            throws: CanonicalDecodingError.invalidValue(
                field: "sparseUpdate.words",
                reason: "word 1 is not greater than the one before it"
            )
        ) {
            try SparseUpdate(tau: 0.5, parameterCount: 100, words: [5, 3])
        }
        #expect(
            throws: CanonicalDecodingError.invalidValue(
                field: "sparseUpdate.words",
                reason: "parameter index 3 appears with both signs"
            )
        ) {
            try SparseUpdate(tau: 0.5, parameterCount: 100, words: [3, 0x8000_0003])
        }
        #expect(
            throws: CanonicalDecodingError.invalidValue(
                field: "sparseUpdate.tau",
                reason: "nan is not a finite positive number"
            )
        ) {
            try SparseUpdate(tau: .nan, parameterCount: 100, words: [])
        }
        var bytes = u.canonicalBytes
        bytes[bytes.count - 1] = 0x7f  // last word index far out of range
        #expect(throws: CanonicalDecodingError.self) { try SparseUpdate(canonicalBytes: bytes) }
    }

    @Test("state round-trips; NaN in any tensor is rejected naming it")
    func stateRoundTrip() throws {
        let task = try Self.digitsTask()
        let (train, _) = try TestSupport.digits()
        for mode in [ModelState.Mode.dense, .pouw(tau: 0.0005)] {
            let trainer = try TestSupport.train(task, on: train, epochs: 1, mode: mode, stopAfterSteps: 3)
            let bytes = trainer.state.canonicalBytes
            #expect(bytes[0] == RecordTag.modelState.rawValue && bytes[1] == ModelState.version)
            let decoded = try ModelState(canonicalBytes: bytes)
            #expect(decoded == trainer.state)
            #expect(decoded.stateHash == trainer.stateHash)
            // The in-place hash is the hash of the canonical bytes.
            #expect(trainer.stateHash == Hash256.sha256(bytes))
            // Poison the last float of the state (Adam's v) and the first tensor's first element.
            var bad = bytes
            bad.replaceSubrange(bad.count - 4..<bad.count, with: [0x00, 0x00, 0x80, 0x7f])
            #expect(
                throws: CanonicalDecodingError.invalidValue(
                    field: "modelState.adam.v",
                    reason: "element 6569 is inf (must be finite)"
                )
            ) {
                try ModelState(canonicalBytes: bad)
            }
            #expect(throws: CanonicalDecodingError.trailingBytes(offset: bytes.count, count: 1)) {
                try ModelState(canonicalBytes: bytes + [0])
            }
        }
    }

    @Test("a replica restored from bytes continues bit-identically")
    func replay() throws {
        let task = try Self.digitsTask()
        let (train, _) = try TestSupport.digits()
        let plan = BatchPlan(sampleCount: train.count, batchSize: task.batchSize, seed: 0)
        let a = Trainer(task: task, seed: 0, mode: .pouw(tau: 0.0005))
        for b in 0..<5 { _ = try a.step(plan.batch(b, of: train)) }
        let b = try Trainer(task: task, stateBytes: a.state.canonicalBytes, threads: 2)
        // An engine that trained elsewhere, then restored to a's state, continues exactly as a new one.
        let c = Trainer(task: task, seed: 7, mode: .pouw(tau: 0.0005))
        for b in 6..<9 { _ = try c.step(plan.batch(b, of: train)) }
        try c.restore(a.state)
        #expect(c.state == a.state)
        let ra = try a.step(plan.batch(5, of: train))
        let rb = try b.step(plan.batch(5, of: train))
        let rc = try c.step(plan.batch(5, of: train))
        #expect(ra == rb && ra == rc)
        #expect(a.stateHash == b.stateHash && a.stateHash == c.stateHash)
        let other = try TestSupport.task(json: TaskDefinitionTests.seed)
        #expect(throws: TrainingError.self) { try c.restore(Trainer(task: other, seed: 0, mode: .dense).state) }
        #expect(c.state == a.state, "a refused restore leaves the state as it was")
        #expect(throws: TrainingError.self) {
            try Trainer(task: TestSupport.task(json: TaskDefinitionTests.seed), stateBytes: a.state.canonicalBytes)
        }
    }

    @Test("peers' updates commute: any order gives the same bits")
    func updatesCommute() throws {
        let task = try Self.digitsTask()
        let (train, _) = try TestSupport.digits()
        let plan = BatchPlan(sampleCount: train.count, batchSize: task.batchSize, seed: 0)
        let miners = (0..<3).map { _ in Trainer(task: task, seed: 0, mode: .pouw(tau: 0.0005)) }
        var updates: [SparseUpdate] = []
        for (i, m) in miners.enumerated() {
            let r = try m.step(plan.batch(i, of: train))
            updates.append(try #require(r.update))
        }
        #expect(updates.allSatisfy { $0.count > 0 })
        let x = Trainer(task: task, seed: 0, mode: .pouw(tau: 0.0005))
        let y = Trainer(task: task, seed: 0, mode: .pouw(tau: 0.0005))
        for u in updates { try x.apply(u) }
        for u in updates.reversed() { try y.apply(u) }
        #expect(x.stateHash == y.stateHash)
        #expect(x.state.parameters.map(\.bitPattern) == y.state.parameters.map(\.bitPattern))
        let wrongTau = try SparseUpdate(tau: 0.25, parameterCount: updates[0].parameterCount, words: updates[0].words)
        #expect(throws: TrainingError.updateMismatch("update τ 0.25 differs from the state's τ 0.0005")) {
            try x.apply(wrongTau)
        }
    }

    @Test("the worked examples of Docs/training.md, byte for byte")
    func workedExamples() throws {
        let batch = try Batch(featureCount: 2, labels: [1], features: [0.5, 1.0])
        #expect(Hex.encode(batch.canonicalBytes) == "330102010100000" + "03f0000803f")
        let update = try SparseUpdate(tau: 0.001, parameterCount: 6, words: [3, 0x8000_0000])
        #expect(Hex.encode(update.canonicalBytes) == "32016f12833a06020300000000000080")
        let tiny = try TestSupport.task(
            json: """
                {"model_type": "mlp", "architecture": {"input_size": 1, "hidden_sizes": [], "output_size": 3},
                 "optimizer": {"type": "adam", "learning_rate": 0.001},
                 "stopping_criterion": {"type": "max_epochs", "max_epochs": 1}, "dataset_info": {"batch_size": 1}}
                """
        )
        let state = ModelState(
            architecture: Architecture(model: tiny.model),
            optimizer: tiny.optimizer,
            mode: .dense,
            seed: 0
        )
        let bytes = state.canonicalBytes
        #expect(bytes.count == 93)
        #expect(Hex.encode(bytes[0..<21]) == "310100" + "0000000000000000" + "06" + "01" + "0000803f0000803f")
        #expect(bytes[45...].allSatisfy { $0 == 0 })  // m and v start at zero
        let seedTask = try TestSupport.task(json: TaskDefinitionTests.seed)
        let architecture = Architecture(model: seedTask.model)
        for (mode, size) in [(ModelState.Mode.dense, 1_312_655), (.pouw(tau: 0.001), 2_187_747)] {
            let s = ModelState(architecture: architecture, optimizer: seedTask.optimizer, mode: mode, seed: 0)
            #expect(s.canonicalBytes.count == size)
        }
    }

    @Test("bad batches are refused")
    func badBatch() throws {
        let trainer = Trainer(task: try Self.digitsTask(), seed: 0, mode: .dense)
        let wide = try Batch(featureCount: 65, labels: [1], features: [Float](repeating: 0, count: 65))
        #expect(throws: TrainingError.batchMismatch("data has 65 features per sample, the task's input_size is 64")) {
            try trainer.step(wide)
        }
        let badLabel = try Batch(featureCount: 64, labels: [10], features: [Float](repeating: 0, count: 64))
        #expect(throws: TrainingError.batchMismatch("label 10 of row 0 is not below output_size 10")) {
            try trainer.step(badLabel)
        }
    }
}
