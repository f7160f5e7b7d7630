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

    struct Decoder: Sendable, CustomTestStringConvertible {
        let name: String
        let seeds: @Sendable () throws -> [[UInt8]]
        let roundTrip: @Sendable ([UInt8]) throws -> [UInt8]
        var testDescription: String { name }
    }

    static let all: [Decoder] = [
        Decoder(
            name: "model state",
            seeds: { try trained().states.map(\.canonicalBytes) },
            roundTrip: DecoderFuzz.roundTrip(ModelState.self)
        ),
        Decoder(
            name: "batch",
            seeds: { try batches().map(\.canonicalBytes) },
            roundTrip: DecoderFuzz.roundTrip(Batch.self)
        ),
        Decoder(
            name: "sparse update",
            seeds: {
                try trained().updates.map(\.canonicalBytes) + [
                    try SparseUpdate(tau: 0.5, parameterCount: 100, words: [1, 7, 99, 0x8000_0002, 0x8000_0050])
                        .canonicalBytes,
                    try SparseUpdate(tau: 1e-30, parameterCount: 1, words: []).canonicalBytes,
                ]
            },
            roundTrip: DecoderFuzz.roundTrip(SparseUpdate.self)
        ),
    ]

    @Test(arguments: all) func fuzz(decoder: Decoder) throws {
        let seeds = try decoder.seeds()
        #expect(!seeds.isEmpty)
        #expect(seeds.allSatisfy { $0.count < 2_048 }, "seeds must stay small to keep the suite fast")
        for seed in seeds { #expect(try decoder.roundTrip(seed) == seed, "\(decoder.name) seed does not round-trip") }
        let report = DecoderFuzz.run(seeds: seeds, count: Self.count, seed: DecoderFuzz.seed(decoder.name)) {
            try decoder.roundTrip($0)
        }
        #expect(report.total == max(Self.count, seeds.count))
        #expect(report.findingCount == 0, "\(decoder.name): \(report.findings)")
        #expect(report.rejected > 0)
        // Mutations of a weight, a step count or a label are valid values: the success path is reached.
        #expect(report.accepted > seeds.count, "\(decoder.name): only the seeds decoded")
    }
}
