public import PoUWCore

extension UnsignedIterationMessage: CanonicalCodable {
    /// Canonical layout (version 1), the bytes the miner signs:
    /// `0x50 0x01 taskID(32) minerKey(32) epoch u32 sequence u64 previousMessage(32) batchIndex u32
    /// batchHash(32) stateHashBefore(32) peerCount LEB128, peer hashes(32 each) update(LEB128 count, u32 words)
    /// tau f32 learningRate f32 loss f32 accuracy f32 overdrive u32 stateHashAfter(32) zeroNonceCommitment(32)
    /// startTime u64 finishTime u64`, integers and float bit patterns little-endian.
    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .iterationMessage, version: Self.formatVersion)
        writer.hash(taskID)
        writer.raw(minerKey.bytes)
        writer.u32(epoch)
        writer.u64(sequence)
        writer.hash(previousMessage)
        writer.u32(batchIndex)
        writer.hash(batchHash)
        writer.hash(stateHashBefore)
        writer.length(appliedPeerMessages.count)
        for peer in appliedPeerMessages { writer.hash(peer) }
        update.encode(to: &writer)
        writer.f32(tau)
        writer.f32(learningRate)
        writer.f32(loss)
        writer.f32(accuracy)
        writer.u32(overdrive)
        writer.hash(stateHashAfter)
        writer.hash(zeroNonceCommitment)
        writer.u64(startTime)
        writer.u64(finishTime)
    }

    /// Strict decoding: wrong tag or version, truncation, over-limit counts and every context-free rule broken
    /// (see `validate()`) are `CanonicalDecodingError`s.
    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .iterationMessage, versions: Self.formatVersion...Self.formatVersion)
        let taskID = try reader.hash()
        let keyBytes = try reader.raw(NodeKey.byteCount)
        let minerKey = try Self.field("minerKey") { () throws(IterationMessageError) in try NodeKey(bytes: keyBytes) }
        let epoch = try reader.u32()
        let sequence = try reader.u64()
        let previousMessage = try reader.hash()
        let batchIndex = try reader.u32()
        let batchHash = try reader.hash()
        let stateHashBefore = try reader.hash()
        let peerCount = try reader.length(field: "appliedPeerMessages", limit: IterationMessageLimits.maxPeerMessages)
        var peers = [Hash256]()
        peers.reserveCapacity(min(peerCount, reader.remaining / 32))
        for _ in 0..<peerCount { peers.append(try reader.hash()) }
        let update = try SparseUpdateWords(from: &reader)
        let tau = try reader.f32()
        let learningRate = try reader.f32()
        let loss = try reader.f32()
        let accuracy = try reader.f32()
        let overdrive = try reader.u32()
        let stateHashAfter = try reader.hash()
        let zeroNonceCommitment = try reader.hash()
        let startTime = try reader.u64()
        let finishTime = try reader.u64()
        self = try Self.field("iterationMessage") { () throws(IterationMessageError) in
            try UnsignedIterationMessage(
                taskID: taskID,
                minerKey: minerKey,
                epoch: epoch,
                sequence: sequence,
                previousMessage: previousMessage,
                batchIndex: batchIndex,
                batchHash: batchHash,
                stateHashBefore: stateHashBefore,
                appliedPeerMessages: peers,
                update: update,
                tau: tau,
                learningRate: learningRate,
                loss: loss,
                accuracy: accuracy,
                overdrive: overdrive,
                stateHashAfter: stateHashAfter,
                zeroNonceCommitment: zeroNonceCommitment,
                startTime: startTime,
                finishTime: finishTime
            )
        }
    }

    /// Runs a rule check, turning its `IterationMessageError` into a decoding error for `name`.
    static func field<T>(_ name: String, _ body: () throws(IterationMessageError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CanonicalDecodingError.invalidValue(field: name, reason: error.description)
        }
    }
}
