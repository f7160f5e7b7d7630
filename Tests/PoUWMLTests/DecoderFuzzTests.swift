import Foundation
import PoUWCore
import PoUWFuzzSupport
import PoUWML
import Testing

/// Throws random and mutated inputs at the ML formats that nodes send each other and read back from their stores
/// (`ModelState`, `Batch`, `SparseUpdate`): each must either throw a `CanonicalDecodingError` or decode to a value
/// whose canonical encoding is exactly the input, never crash. Seeds are real encodings from a tiny task (4 inputs,
/// 3 hidden, 3 classes: 27 parameters) trained two steps in every mode and optimizer, so inputs stay small and the
/// suite fast. 100,000 inputs per decoder by default, 2,000,000 with POUW_LONG_TESTS=1. Seeded.
@Suite("Decoder fuzz: ML formats")
struct MLDecoderFuzzTests {
    static let count = DecoderFuzz.iterations(100_000, long: 2_000_000)

    static func tinyTask(optimizer: String) throws -> TaskDefinition {
        try TestSupport.task(
            json: """
                {"model_type": "mlp", "architecture": {"input_size": 4, "hidden_sizes": [3], "output_size": 3},
                 "optimizer": \(optimizer), "stopping_criterion": {"type": "max_epochs", "max_epochs": 1},
                 "metrics": ["accuracy", "loss"], "dataset_info": {"batch_size": 4, "size": 8},
                 "performance_requirements": {"gpu": false, "min_accuracy": 0.5}}
                """
        )
    }

    static func batches() throws -> [Batch] {
        [
            try Batch(featureCount: 4, labels: [0, 1, 2, 1], features: (0..<16).map { Float($0) / 8 - 1 }),
            try Batch(featureCount: 4, labels: [2], features: [0.5, -0.25, 0, -0]),
        ]
    }

    /// States and updates of the tiny task after two steps: dense and PoUW, SGD with momentum and Adam.
    static func trained() throws -> (states: [ModelState], updates: [SparseUpdate]) {
        var states: [ModelState] = []
        var updates: [SparseUpdate] = []
        for optimizer in [
            #"{"type": "sgd", "learning_rate": 0.5, "momentum": 0.9}"#, #"{"type": "adam", "learning_rate": 0.01}"#,
        ] {
            let task = try tinyTask(optimizer: optimizer)
            for mode in [ModelState.Mode.dense, .pouw(tau: 0.01)] {
                let trainer = Trainer(task: task, seed: 3, mode: mode, threads: 1)
                states.append(trainer.state)
                for batch in try batches() { updates += try trainer.step(batch).update.map { [$0] } ?? [] }
                states.append(trainer.state)
            }
        }
        return (states, updates)
    }

    static let all: [DecoderFuzz.Decoder] = [
        DecoderFuzz.Decoder.canonical(ModelState.self, "model state") { try trained().states.map(\.canonicalBytes) },
        DecoderFuzz.Decoder.canonical(Batch.self, "batch") { try batches().map(\.canonicalBytes) },
        DecoderFuzz.Decoder.canonical(SparseUpdate.self, "sparse update") {
            try trained().updates.map(\.canonicalBytes) + [
                try SparseUpdate(tau: 0.5, parameterCount: 100, words: [1, 7, 99, 0x8000_0002, 0x8000_0050])
                    .canonicalBytes,
                try SparseUpdate(tau: 1e-30, parameterCount: 1, words: []).canonicalBytes,
            ]
        },
    ]

    @Test(arguments: all) func fuzz(decoder: DecoderFuzz.Decoder) throws {
        let problems = try decoder.fuzz(count: Self.count)
        #expect(problems.isEmpty, "\(problems)")
    }

    /// A task file travels inside every PAY_FOR_TASK a client signs (and every manifest): the JSON parser and the
    /// checks behind it either accept or throw a `TaskDefinitionError`, never crash. JSON has no canonical form, so
    /// only the refusal is checked, plus that an accepted task gives an architecture within the parameter limit.
    @Test func taskDefinitionJSON() throws {
        let deep = { (depth: Int) in
            Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
        }
        // The bundled task files, the seed's MNIST task, and nesting at, just past and far past the parser's limit.
        let seeds = [
            try Self.readFixture("tasks/digits_mlp.json"), try Self.readFixture("tasks/digits_cnn.json"),
            Array(TaskDefinitionTests.seed.utf8), deep(64), deep(65), deep(10_000),
        ]
        let report = DecoderFuzz.run(
            seeds: seeds,
            count: Self.count,
            seed: DecoderFuzz.seed("task definition"),
            isExpected: Self.isTaskDefinitionError
        ) { input in
            let task = try TaskDefinition(json: input)
            #expect(Architecture(model: task.model).parameterCount <= TaskDefinition.maxParameters)
            return input
        }
        #expect(report.findingCount == 0, "\(report.findings)")
        #expect(report.rejected > 0)
        #expect(report.accepted > 3, "mutations of a task file (a learning rate, a size) are valid tasks")
    }

    static func isTaskDefinitionError(_ error: any Error) -> Bool { error is TaskDefinitionError }

    static func readFixture(_ relative: String) throws -> [UInt8] {
        Array(try String(contentsOfFile: TestSupport.fixture(relative), encoding: .utf8).utf8)
    }
}
