import PoUWNode

/// The task files `pouw demo` uses when no --task is given, embedded so the binary runs from anywhere.
///
/// `seedMNIST` is byte for byte the seed's `reference/mnist_task.json` (784 inputs: Fashion-MNIST's 28×28
/// pixels); `digits` is `Fixtures/tasks/digits_mlp.json` (64 inputs: the 8×8 digits). A test compares both with
/// the files.
enum DemoTasks {
    static let seedMNIST = """
        {
          "model_type": "mlp",
          "architecture": {
            "input_size": 784,
            "hidden_sizes": [128, 64],
            "output_size": 10
          },
          "optimizer": {
            "type": "adam",
            "learning_rate": 0.001
          },
          "stopping_criterion": {
            "type": "max_epochs",
            "max_epochs": 50
          },
          "metrics": ["accuracy", "loss"],
          "dataset_info": {
            "batch_size": 32,
            "size": 60000
          },
          "performance_requirements": {
            "gpu": false,
            "min_accuracy": 0.95
          }
        }
        """

    static let digits = """
        {
          "model_type": "mlp",
          "architecture": {
            "input_size": 64,
            "hidden_sizes": [64, 32],
            "output_size": 10
          },
          "optimizer": {
            "type": "adam",
            "learning_rate": 0.001
          },
          "stopping_criterion": {
            "type": "max_epochs",
            "max_epochs": 20
          },
          "metrics": ["accuracy", "loss"],
          "dataset_info": {
            "batch_size": 32,
            "size": 1797,
            "test_fraction": 0.2
          },
          "performance_requirements": {
            "gpu": false,
            "min_accuracy": 0.95
          }
        }
        """
}

extension DemoTasks {
    /// The filler every demo node trains and checks (`FillerTask`): the built-in digits task on the digits
    /// fixture's training split (test fraction 0.2, split seed 0), whatever the demo's own dataset.
    static func filler() throws -> FillerTask.Source {
        let data = try TrainData.load("digits", testFraction: 0.2, seed: 0)
        return FillerTask.Source(json: Array((digits + "\n").utf8), train: data.train)
    }
}
