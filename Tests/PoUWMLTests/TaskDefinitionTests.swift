import Foundation
import PoUWML
import Testing

@Suite("Task files: the seed's example parses; bad files name the field")
struct TaskDefinitionTests {
    static let seedPaths = [
        "/work/shared/reference/mnist_task.json",
        TestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/mnist_task.json")
            .path,
    ]

    static let seed = """
        {"model_type": "mlp", "architecture": {"input_size": 784, "hidden_sizes": [128, 64], "output_size": 10},
         "optimizer": {"type": "adam", "learning_rate": 0.001},
         "stopping_criterion": {"type": "max_epochs", "max_epochs": 50}, "metrics": ["accuracy", "loss"],
         "dataset_info": {"batch_size": 32, "size": 60000},
         "performance_requirements": {"gpu": false, "min_accuracy": 0.95}}
        """

    @Test("the seed's MNIST task (inline copy, and the shared file when present)")
    func seedTask() throws {
        var texts = [Self.seed]
        for path in Self.seedPaths {
            if let data = FileManager.default.contents(atPath: path) {
                texts.append(String(decoding: data, as: UTF8.self))
            }
        }
        for text in texts {
            let task = try TestSupport.task(json: text)
            #expect(task.model == .mlp(inputSize: 784, hiddenSizes: [128, 64], outputSize: 10))
            #expect(task.optimizer == .adam(learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
            #expect(task.batchSize == 32)
            #expect(task.maxEpochs == 50)
            #expect(Architecture(model: task.model).parameterCount == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10)
        }
    }

    @Test(
        "bad fields are named",
        arguments: [
            (
                "\"optimizer\": {\"type\": \"adam\", \"learning_rate\": 0.001}",
                "\"optimizer\": {\"type\": \"adam\", \"learning_rate\": 0.001, \"momentum\": 0.9}",
                TaskDefinitionError.unknownField("optimizer.momentum")
            ),
            ("\"metrics\"", "\"metricz\"", TaskDefinitionError.unknownField("metricz")),
            (
                "[128, 64]", "[128, 0]",
                TaskDefinitionError.invalidValue(
                    field: "architecture.hidden_sizes[1]",
                    reason: "is 0; must be in 1…65536"
                )
            ),
            (
                "\"batch_size\": 32", "\"batch_size\": 2.5",
                TaskDefinitionError.invalidValue(field: "dataset_info.batch_size", reason: "must be an integer")
            ),
            (
                "\"learning_rate\": 0.001", "\"learning_rate\": -1",
                TaskDefinitionError.invalidValue(
                    field: "optimizer.learning_rate",
                    reason: "must be a number greater than 0 and below 1.0"
                )
            ),
            (
                "\"model_type\": \"mlp\"", "\"model_type\": \"rnn\"",
                TaskDefinitionError.invalidValue(field: "model_type", reason: "is \"rnn\"; expected \"mlp\" or \"cnn\"")
            ),
            (
                "\"output_size\": 10", "\"output_size\": 1",
                TaskDefinitionError.invalidValue(field: "architecture.output_size", reason: "is 1; must be in 2…256")
            ),
            (
                "\"dataset_info\": {\"batch_size\": 32, \"size\": 60000},", "",
                TaskDefinitionError.missingField("dataset_info")
            ),
        ]
    )
    func badField(replace: String, with: String, expected: TaskDefinitionError) {
        let text = Self.seed.replacingOccurrences(of: replace, with: with)
        #expect(throws: expected) { try TestSupport.task(json: text) }
    }

    @Test("impossible CNN shapes and malformed JSON")
    func impossible() {
        let cnn = """
            {"model_type": "cnn", "architecture": {"input_shape": [3, 3, 1], "conv_channels": [4, 8], "output_size": 10},
             "optimizer": {"type": "sgd", "learning_rate": 0.1}, "stopping_criterion": {"type": "max_epochs", "max_epochs": 1},
             "dataset_info": {"batch_size": 8}}
            """
        #expect(
            throws: TaskDefinitionError.invalidValue(
                field: "architecture.input_shape",
                reason: "is 3×3: 2 pooling stage(s) need at least 4×4"
            )
        ) {
            try TestSupport.task(json: cnn)
        }
        #expect(throws: TaskDefinitionError.self) { try TestSupport.task(json: "{\"model_type\": \"mlp\",}") }
        #expect(throws: TaskDefinitionError.self) { try TestSupport.task(json: String(repeating: "[", count: 200)) }
    }
}
