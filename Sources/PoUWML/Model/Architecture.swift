/// The layer list and flat parameter layout of a model, derived from a `TaskDefinition.Model`.
///
/// Guarantees: the layout is a pure function of the model; every parameter has one flat index (the index used
/// by sparse update words), tensors are laid out in layer order, weights before biases, each tensor row-major.
public struct Architecture: Sendable, Equatable {
    /// One layer of the forward pass.
    public enum Layer: Sendable, Equatable {
        /// `y = x·W + b` (`W` is `input × output`), then ReLU when `relu`.
        case dense(input: Int, output: Int, weights: Int, bias: Int, relu: Bool)
        /// 3×3 same-padding convolution on `height × width × input` NHWC, then ReLU. Kernel `[9·input, output]`.
        case conv(height: Int, width: Int, input: Int, output: Int, kernel: Int, bias: Int)
        /// 2×2 max-pool with stride 2.
        case pool(height: Int, width: Int, channels: Int)

        /// Features per sample entering / leaving the layer.
        public var inputCount: Int {
            switch self {
            case .dense(let input, _, _, _, _): input
            case .conv(let h, let w, let c, _, _, _): h * w * c
            case .pool(let h, let w, let c): h * w * c
            }
        }

        public var outputCount: Int {
            switch self {
            case .dense(_, let output, _, _, _): output
            case .conv(let h, let w, _, let c, _, _): h * w * c
            case .pool(let h, let w, let c): (h / 2) * (w / 2) * c
            }
        }
    }

    /// A named slice of the flat parameter vector.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let shape: [Int]
        /// Inputs feeding each output (for initialisation); 0 for biases.
        public let fanIn: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let layers: [Layer]
    public let tensors: [Tensor]
    public let parameterCount: Int
    public let inputCount: Int
    public let outputCount: Int

    public init(model: TaskDefinition.Model) {
        var layers: [Layer] = []
        var tensors: [Tensor] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int], fanIn: Int) -> Int {
            let t = Tensor(name: name, offset: offset, shape: shape, fanIn: fanIn)
            tensors.append(t)
            offset += t.count
            return t.offset
        }
        var dense: [Int]
        var outputs: Int
        var features: Int
        switch model {
        case .mlp(let inputSize, let hidden, let out):
            features = inputSize
            dense = hidden
            outputs = out
            inputCount = inputSize
        case .cnn(let h, let w, let c, let conv, let hidden, let out):
            inputCount = h * w * c
            var (hh, ww, cc) = (h, w, c)
            for (i, channels) in conv.enumerated() {
                let k = add("conv\(i).kernel", [9 * cc, channels], fanIn: 9 * cc)
                let b = add("conv\(i).bias", [channels], fanIn: 0)
                layers.append(.conv(height: hh, width: ww, input: cc, output: channels, kernel: k, bias: b))
                layers.append(.pool(height: hh, width: ww, channels: channels))
                hh /= 2
                ww /= 2
                cc = channels
            }
            features = hh * ww * cc
            dense = hidden
            outputs = out
        }
        for (i, size) in (dense + [outputs]).enumerated() {
            let w = add("dense\(i).weight", [features, size], fanIn: features)
            let b = add("dense\(i).bias", [size], fanIn: 0)
            layers.append(.dense(input: features, output: size, weights: w, bias: b, relu: i < dense.count))
            features = size
        }
        self.layers = layers
        self.tensors = tensors
        self.parameterCount = offset
        self.outputCount = outputs
    }

    /// The tensor holding flat index `index` and the index within it (for error messages).
    public func locate(_ index: Int) -> (tensor: String, element: Int) {
        for t in tensors where index >= t.offset && index < t.offset + t.count {
            return (t.name, index - t.offset)
        }
        return ("(out of range)", index)
    }

    /// Initial parameters from the task seed: weights uniform in `±√(6/fanIn)` (He uniform), drawn as
    /// `(2u − 1)·limit` with `u = CounterRandom(seed, .initialWeights).unitFloat(flat index)`; biases `+0`.
    public func initialParameters(seed: UInt64) -> [Float] {
        let random = CounterRandom(seed: seed, stream: .initialWeights)
        var p = [Float](repeating: 0, count: parameterCount)
        for t in tensors where t.fanIn > 0 {
            let limit = (Float(6) / Float(t.fanIn)).squareRoot()
            for i in t.offset..<t.offset + t.count {
                p[i] = (2 * random.unitFloat(UInt64(i)) - 1) * limit
            }
        }
        return p
    }
}
