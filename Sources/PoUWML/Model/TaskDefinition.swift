/// A training task as the client writes it (the seed's JSON format), validated.
///
/// Guarantees: every field is known and checked (`TaskDefinitionError` names the offending field), every shape
/// is buildable, and the parameter count fits the 31-bit index of a sparse update word.
public struct TaskDefinition: Sendable, Equatable {
    /// The network to train.
    public enum Model: Sendable, Equatable {
        /// Dense layers `input → hidden… → output` with ReLU between them.
        case mlp(inputSize: Int, hiddenSizes: [Int], outputSize: Int)
        /// `[conv 3×3 → ReLU → max-pool 2×2]` per entry of `convChannels`, flatten, dense ReLU layers of
        /// `hiddenSizes`, then a dense output layer. Input is `height × width × channels` (NHWC).
        case cnn(height: Int, width: Int, channels: Int, convChannels: [Int], hiddenSizes: [Int], outputSize: Int)
    }

    /// How weight deltas are computed from gradients.
    public enum Optimizer: Sendable, Equatable {
        case sgd(learningRate: Float, momentum: Float)
        case adam(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float)

        public var learningRate: Float {
            switch self {
            case .sgd(let lr, _), .adam(let lr, _, _, _): lr
            }
        }
    }

    public var model: Model
    public var optimizer: Optimizer
    /// Samples per batch.
    public var batchSize: Int
    /// `stopping_criterion.max_epochs`.
    public var maxEpochs: Int
    /// `stopping_criterion.target_accuracy`, if given.
    public var targetAccuracy: Double?
    /// `dataset_info.size` (informative; the data decides).
    public var datasetSize: Int?
    /// `dataset_info.test_fraction`: the share withheld as the test set when the data has no test split
    /// (default 0.2).
    public var testFraction: Double
    /// `pouw.tau`: the ±τ step of sparse updates; `nil` means `TaskDefinition.defaultTau(for:)`.
    public var tau: Float?
    /// `metrics`, as given.
    public var metrics: [String]
    /// `performance_requirements.min_accuracy`, if given.
    public var minAccuracy: Double?
    /// `performance_requirements.gpu`, if given (this engine never uses one).
    public var gpu: Bool?

    /// The largest parameter count: flat indices must fit in 31 bits, and we keep well below.
    public static let maxParameters = 1 << 28

    /// τ when the task does not set one: the learning rate (Adam's per-step delta is bounded by about `lr`, so
    /// one ±τ emission per step keeps up; see `Docs/training.md` for the measurement).
    public static func defaultTau(for optimizer: Optimizer) -> Float {
        optimizer.learningRate
    }

    /// The effective τ.
    public var effectiveTau: Float { tau ?? Self.defaultTau(for: optimizer) }

    /// Parses and validates a task file.
    public init(json bytes: [UInt8]) throws(TaskDefinitionError) {
        let root = try Fields(JSONValue.parse(bytes), path: "")
        try root.allow([
            "model_type", "architecture", "optimizer", "stopping_criterion", "metrics", "dataset_info",
            "performance_requirements", "pouw",
        ])
        let modelType = try root.string("model_type")
        let arch = try root.object("architecture")
        switch modelType {
        case "mlp":
            try arch.allow(["input_size", "hidden_sizes", "output_size"])
            model = .mlp(
                inputSize: try arch.int("input_size", in: 1...(1 << 24)),
                hiddenSizes: try arch.intArray("hidden_sizes", in: 1...(1 << 16), count: 0...16),
                outputSize: try arch.int("output_size", in: 2...256)
            )
        case "cnn":
            try arch.allow(["input_shape", "conv_channels", "hidden_sizes", "output_size"])
            let shape = try arch.intArray("input_shape", in: 1...4096, count: 3...3)
            let conv = try arch.intArray("conv_channels", in: 1...1024, count: 1...4)
            let minSide = 1 << conv.count
            if shape[0] < minSide || shape[1] < minSide {
                throw .invalidValue(
                    field: "architecture.input_shape",
                    reason:
                        "is \(shape[0])×\(shape[1]): \(conv.count) pooling stage(s) need at least \(minSide)×\(minSide)"
                )
            }
            model = .cnn(
                height: shape[0],
                width: shape[1],
                channels: shape[2],
                convChannels: conv,
                hiddenSizes: try arch.optionalIntArray("hidden_sizes", in: 1...(1 << 16), count: 0...16) ?? [],
                outputSize: try arch.int("output_size", in: 2...256)
            )
        default:
            throw .invalidValue(field: "model_type", reason: "is \"\(modelType)\"; expected \"mlp\" or \"cnn\"")
        }

        let opt = try root.object("optimizer")
        let kind = try opt.string("type")
        switch kind {
        case "adam":
            try opt.allow(["type", "learning_rate", "beta1", "beta2", "epsilon"])
            optimizer = .adam(
                learningRate: try opt.positiveFloat("learning_rate", below: 1),
                beta1: try opt.optionalFraction("beta1") ?? 0.9,
                beta2: try opt.optionalFraction("beta2") ?? 0.999,
                epsilon: try opt.optionalPositiveFloat("epsilon", below: 1) ?? 1e-8
            )
        case "sgd":
            try opt.allow(["type", "learning_rate", "momentum"])
            let momentum = try opt.optionalFraction("momentum", allowZero: true) ?? 0
            optimizer = .sgd(learningRate: try opt.positiveFloat("learning_rate", below: 100), momentum: momentum)
        default:
            throw .invalidValue(field: "optimizer.type", reason: "is \"\(kind)\"; expected \"adam\" or \"sgd\"")
        }

        let stop = try root.object("stopping_criterion")
        try stop.allow(["type", "max_epochs", "target_accuracy"])
        let stopType = try stop.string("type")
        guard stopType == "max_epochs" || stopType == "target_accuracy" else {
            throw .invalidValue(
                field: "stopping_criterion.type",
                reason: "is \"\(stopType)\"; expected \"max_epochs\" or \"target_accuracy\""
            )
        }
        maxEpochs = try stop.int("max_epochs", in: 1...100_000)
        targetAccuracy = try stop.optionalDouble("target_accuracy", in: 0...1)
        if stopType == "target_accuracy" && targetAccuracy == nil {
            throw .missingField("stopping_criterion.target_accuracy")
        }

        metrics = try root.optionalStringArray("metrics", allowed: ["accuracy", "loss"]) ?? ["accuracy", "loss"]

        let data = try root.object("dataset_info")
        try data.allow(["batch_size", "size", "test_fraction"])
        batchSize = try data.int("batch_size", in: 1...65_536)
        datasetSize = try data.optionalInt("size", in: 1...(1 << 31))
        testFraction = try data.optionalDouble("test_fraction", in: 0...0.9) ?? 0.2

        if let perf = try root.optionalObject("performance_requirements") {
            try perf.allow(["gpu", "min_accuracy"])
            gpu = try perf.optionalBool("gpu")
            minAccuracy = try perf.optionalDouble("min_accuracy", in: 0...1)
        }
        if let pouw = try root.optionalObject("pouw") {
            try pouw.allow(["tau"])
            tau = try pouw.optionalPositiveFloat("tau", below: 1)
        }

        let count = Architecture(model: model).parameterCount
        if count > Self.maxParameters {
            throw .invalidValue(
                field: "architecture",
                reason: "gives \(count) parameters; at most \(Self.maxParameters) are supported"
            )
        }
    }

    /// The number of input features the model expects.
    public var inputSize: Int {
        switch model {
        case .mlp(let inputSize, _, _): inputSize
        case .cnn(let h, let w, let c, _, _, _): h * w * c
        }
    }

    /// The number of classes.
    public var outputSize: Int {
        switch model {
        case .mlp(_, _, let out), .cnn(_, _, _, _, _, let out): out
        }
    }
}

/// A JSON object being read, with its path for error messages.
private struct Fields {
    let members: [(key: String, value: JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws(TaskDefinitionError) {
        guard case .object(let members) = value else {
            throw .invalidValue(field: path.isEmpty ? "(root)" : path, reason: "must be an object")
        }
        self.members = members
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func allow(_ keys: Set<String>) throws(TaskDefinitionError) {
        for member in members where !keys.contains(member.key) { throw .unknownField(name(member.key)) }
    }

    func optional(_ key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    func required(_ key: String) throws(TaskDefinitionError) -> JSONValue {
        guard let v = optional(key) else { throw .missingField(name(key)) }
        return v
    }

    func object(_ key: String) throws(TaskDefinitionError) -> Fields {
        try Fields(try required(key), path: name(key))
    }

    func optionalObject(_ key: String) throws(TaskDefinitionError) -> Fields? {
        guard let v = optional(key) else { return nil }
        return try Fields(v, path: name(key))
    }

    func string(_ key: String) throws(TaskDefinitionError) -> String {
        guard case .string(let s) = try required(key) else {
            throw .invalidValue(field: name(key), reason: "must be a string")
        }
        return s
    }

    func optionalBool(_ key: String) throws(TaskDefinitionError) -> Bool? {
        guard let v = optional(key) else { return nil }
        guard case .bool(let b) = v else { throw .invalidValue(field: name(key), reason: "must be true or false") }
        return b
    }

    static func integer(_ v: JSONValue, field: String, in range: ClosedRange<Int>) throws(TaskDefinitionError) -> Int {
        guard case .number(let d) = v, d == d.rounded(), abs(d) < 1e15 else {
            throw .invalidValue(field: field, reason: "must be an integer")
        }
        let i = Int(d)
        guard range.contains(i) else {
            throw .invalidValue(field: field, reason: "is \(i); must be in \(range.lowerBound)…\(range.upperBound)")
        }
        return i
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(TaskDefinitionError) -> Int {
        try Self.integer(try required(key), field: name(key), in: range)
    }

    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws(TaskDefinitionError) -> Int? {
        guard let v = optional(key) else { return nil }
        return try Self.integer(v, field: name(key), in: range)
    }

    func intArray(
        _ key: String,
        in range: ClosedRange<Int>,
        count: ClosedRange<Int>
    ) throws(TaskDefinitionError) -> [Int] {
        guard case .array(let items) = try required(key) else {
            throw .invalidValue(field: name(key), reason: "must be an array of integers")
        }
        guard count.contains(items.count) else {
            throw .invalidValue(
                field: name(key),
                reason: "has \(items.count) entries; must have \(count.lowerBound)…\(count.upperBound)"
            )
        }
        var out: [Int] = []
        for (i, item) in items.enumerated() {
            out.append(try Self.integer(item, field: "\(name(key))[\(i)]", in: range))
        }
        return out
    }

    func optionalIntArray(
        _ key: String,
        in range: ClosedRange<Int>,
        count: ClosedRange<Int>
    ) throws(TaskDefinitionError) -> [Int]? {
        guard optional(key) != nil else { return nil }
        return try intArray(key, in: range, count: count)
    }

    func optionalStringArray(_ key: String, allowed: Set<String>) throws(TaskDefinitionError) -> [String]? {
        guard let v = optional(key) else { return nil }
        guard case .array(let items) = v else { throw .invalidValue(field: name(key), reason: "must be an array") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item, allowed.contains(s) else {
                throw .invalidValue(
                    field: "\(name(key))[\(i)]",
                    reason: "must be one of \(allowed.sorted().joined(separator: ", "))"
                )
            }
            out.append(s)
        }
        return out
    }

    func optionalDouble(_ key: String, in range: ClosedRange<Double>) throws(TaskDefinitionError) -> Double? {
        guard let v = optional(key) else { return nil }
        guard case .number(let d) = v, range.contains(d) else {
            throw .invalidValue(
                field: name(key),
                reason: "must be a number in \(range.lowerBound)…\(range.upperBound)"
            )
        }
        return d
    }

    func positiveFloat(_ key: String, below limit: Double) throws(TaskDefinitionError) -> Float {
        guard case .number(let d) = try required(key), d > 0, d < limit, Float(d) > 0 else {
            throw .invalidValue(field: name(key), reason: "must be a number greater than 0 and below \(limit)")
        }
        return Float(d)
    }

    func optionalPositiveFloat(_ key: String, below limit: Double) throws(TaskDefinitionError) -> Float? {
        guard optional(key) != nil else { return nil }
        return try positiveFloat(key, below: limit)
    }

    func optionalFraction(_ key: String, allowZero: Bool = false) throws(TaskDefinitionError) -> Float? {
        guard let v = optional(key) else { return nil }
        guard case .number(let d) = v, d < 1, allowZero ? d >= 0 : d > 0 else {
            throw .invalidValue(field: name(key), reason: allowZero ? "must be in [0, 1)" : "must be in (0, 1)")
        }
        return Float(d)
    }
}
