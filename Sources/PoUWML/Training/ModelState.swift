public import PoUWCore

/// Everything a replica needs to continue training: parameters (or initial weights and integer counts),
/// optimizer state, residual and step counter. Its canonical bytes are what the state hash covers.
///
/// Canonical bytes (version 1), with `P` the parameter count and every tensor `P` little-endian 4-byte words:
/// `tag 0x31, version 1, mode u8 (0 dense, 1 PoUW), [τ f32 if PoUW], step u64, P LEB128,
/// optimizer u8 (0 SGD, 1 Adam), [β1^t f32, β2^t f32 if Adam],` then the tensors: dense → `parameters`;
/// PoUW → `initial` (w0), `counts` (Int32), `residual`; then SGD → `velocity` or Adam → `m`, `v`.
/// In PoUW mode `parameters` is not stored: it is `w0 + τ·count` per element (one multiply, one add).
///
/// Guarantees: decoding is strict (every float finite, named in the error; Adam powers in `[0, 1]`;
/// `v ≥ 0`; PoUW weights finite), and `parameters` always equals what the counts give.
public struct ModelState: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1

    /// How weights are updated.
    public enum Mode: Sendable, Equatable {
        /// `w ← w + Δ` (plain training).
        case dense
        /// `w = w0 + τ·count`, counts changed by ±1 from sparse updates (PoUW).
        case pouw(tau: Float)

        public var tau: Float? {
            if case .pouw(let tau) = self { return tau }
            return nil
        }
    }

    public let mode: Mode
    /// Completed iterations of this replica.
    public internal(set) var step: UInt64
    /// The weights the network uses.
    public internal(set) var parameters: [Float]
    /// PoUW: the initial weights `w0` (empty in dense mode).
    public internal(set) var initial: [Float]
    /// PoUW: the integer step counts (empty in dense mode).
    public internal(set) var counts: [Int32]
    /// PoUW: the residual `r` not yet emitted (empty in dense mode).
    public internal(set) var residual: [Float]
    public internal(set) var optimizer: OptimizerState

    /// The initial state of a task's model for `seed`.
    public init(architecture: Architecture, optimizer: TaskDefinition.Optimizer, mode: Mode, seed: UInt64) {
        let w0 = architecture.initialParameters(seed: seed)
        self.mode = mode
        step = 0
        parameters = w0
        switch mode {
        case .dense:
            initial = []
            counts = []
            residual = []
        case .pouw:
            initial = w0
            counts = [Int32](repeating: 0, count: w0.count)
            residual = [Float](repeating: 0, count: w0.count)
        }
        self.optimizer = OptimizerState(for: optimizer, count: w0.count)
    }

    public var parameterCount: Int { parameters.count }

    /// The canonical bytes, written into a buffer sized once (the generic `canonicalBytes` grows from 64 bytes,
    /// which costs several copies of a multi-megabyte state).
    public var canonicalBytes: [UInt8] {
        let tensors = (mode == .dense ? 1 : 3) + optimizer.tensors.count
        var writer = ByteWriter(capacity: 40 + tensors * 4 * parameters.count)
        encode(to: &writer)
        return writer.bytes
    }

    /// SHA-256 of the canonical bytes, hashed in place: the short head, then each tensor's own storage (no
    /// multi-megabyte canonical copy is built).
    public var stateHash: Hash256 {
        #if _endian(little)
        var head = ByteWriter(capacity: 64)
        encodeHead(to: &head)
        var hasher = Hash256Hasher()
        hasher.update(head.bytes)
        switch mode {
        case .dense: hasher.update(parameters.span.bytes)
        case .pouw:
            hasher.update(initial.span.bytes)
            hasher.update(counts.span.bytes)
            hasher.update(residual.span.bytes)
        }
        for tensor in optimizer.tensors { hasher.update(tensor.values.span.bytes) }
        return hasher.finalize()
        #else
        return Hash256.sha256(canonicalBytes)
        #endif
    }

    /// `w0 + τ·count` for every parameter, in one pass over unchecked buffers (a state is decoded for every block a
    /// node verifies); throws if a weight is not finite.
    static func weights(initial: [Float], tau: Float, counts: [Int32]) throws -> [Float] {
        precondition(initial.count == counts.count, "initial weights and counts differ in length")
        let count = initial.count
        var bad: UInt32 = 0
        let weights = initial.withUnsafeBufferPointer { w0 in
            counts.withUnsafeBufferPointer { n in
                [Float](unsafeUninitializedCapacity: count) { out, initialized in
                    for i in 0..<count {
                        let w = weight(initial: w0[i], tau: tau, count: n[i])
                        out[i] = w
                        bad |= UInt32((w.bitPattern & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0)
                    }
                    initialized = count
                }
            }
        }
        if bad != 0 { try FloatCoding.checkFinite(weights, field: "modelState.counts (w0 + τ·count)") }
        return weights
    }

    /// `w0 + τ·count`, the weight of a PoUW parameter.
    @inline(__always)
    static func weight(initial: Float, tau: Float, count: Int32) -> Float {
        initial + tau * Float(count)
    }

    public func encode(to writer: inout ByteWriter) {
        encodeHead(to: &writer)
        switch mode {
        case .dense: FloatCoding.write(parameters, to: &writer)
        case .pouw:
            FloatCoding.write(initial, to: &writer)
            FloatCoding.write(counts, to: &writer)
            FloatCoding.write(residual, to: &writer)
        }
        for tensor in optimizer.tensors { FloatCoding.write(tensor.values, to: &writer) }
    }

    /// Everything before the tensors: tag, version, mode, step, parameter count, optimizer kind.
    private func encodeHead(to writer: inout ByteWriter) {
        writer.header(tag: .modelState, version: Self.version)
        switch mode {
        case .dense: writer.u8(0)
        case .pouw(let tau):
            writer.u8(1)
            writer.f32(tau)
        }
        writer.u64(step)
        writer.length(parameters.count)
        switch optimizer {
        case .sgd: writer.u8(0)
        case .adam(_, _, let b1, let b2):
            writer.u8(1)
            writer.f32(b1)
            writer.f32(b2)
        }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .modelState, versions: Self.version...Self.version)
        let modeByte = try reader.u8()
        switch modeByte {
        case 0: mode = .dense
        case 1:
            let tau = try reader.f32()
            guard tau.isFinite, tau > 0 else {
                throw CanonicalDecodingError.invalidValue(
                    field: "modelState.tau",
                    reason: "\(tau) is not finite and positive"
                )
            }
            mode = .pouw(tau: tau)
        default:
            throw CanonicalDecodingError.invalidValue(field: "modelState.mode", reason: "unknown mode \(modeByte)")
        }
        step = try reader.u64()
        let count = try reader.length(field: "modelState.parameterCount", limit: TaskDefinition.maxParameters)
        let kind = try reader.u8()
        var powers: (Float, Float) = (1, 1)
        switch kind {
        case 0: break
        case 1:
            powers = (try reader.f32(), try reader.f32())
            for (name, p) in [("modelState.adam.beta1Power", powers.0), ("modelState.adam.beta2Power", powers.1)]
            where !(p >= 0 && p <= 1) {
                throw CanonicalDecodingError.invalidValue(field: name, reason: "\(p) is outside [0, 1]")
            }
        default:
            throw CanonicalDecodingError.invalidValue(
                field: "modelState.optimizer",
                reason: "unknown optimizer \(kind)"
            )
        }
        switch mode {
        case .dense:
            parameters = try FloatCoding.readFinite(count, field: "modelState.parameters", from: &reader)
            initial = []
            counts = []
            residual = []
        case .pouw(let tau):
            initial = try FloatCoding.readFinite(count, field: "modelState.initial", from: &reader)
            counts = try FloatCoding.readInt32(count, from: &reader)
            residual = try FloatCoding.readFinite(count, field: "modelState.residual", from: &reader)
            parameters = try Self.weights(initial: initial, tau: tau, counts: counts)
        }
        if kind == 0 {
            optimizer = .sgd(
                velocity: try FloatCoding.readFinite(count, field: "modelState.sgd.velocity", from: &reader)
            )
        } else {
            let m = try FloatCoding.readFinite(count, field: "modelState.adam.m", from: &reader)
            let v = try FloatCoding.readFinite(count, field: "modelState.adam.v", from: &reader)
            if FloatCoding.hasNegative(v), let i = v.firstIndex(where: { $0 < 0 }) {
                throw CanonicalDecodingError.invalidValue(
                    field: "modelState.adam.v",
                    reason: "element \(i) is negative"
                )
            }
            optimizer = .adam(m: m, v: v, beta1Power: powers.0, beta2Power: powers.1)
        }
    }
}
