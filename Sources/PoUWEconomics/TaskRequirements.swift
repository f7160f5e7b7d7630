public import PoUWCore

/// What a client's task needs from its workers, as the task definition states it (the protocol fills it from
/// PAY_FOR_TASK). Canonical record 0x72 v1: `modelType string, datasetBytes u64, minGPUCount u16,
/// minGPUMemoryMiB u32, storageBytes u64, minBandwidthMbps u32, minFaultsTolerated u8`.
public struct TaskRequirements: Sendable, Hashable, CanonicalCodable {
    public let modelType: String
    /// Size of the training data a miner must hold.
    public let datasetBytes: UInt64
    public let minGPUCount: UInt16
    public let minGPUMemoryMiB: UInt32
    /// Payload a supervisor must keep available (dataset + expected message history), before redundancy.
    public let storageBytes: UInt64
    public let minBandwidthMbps: UInt32
    public let minFaultsTolerated: UInt8

    /// Throws `CanonicalDecodingError.invalidValue` for a malformed model type name.
    public init(
        modelType: String,
        datasetBytes: UInt64,
        minGPUCount: UInt16,
        minGPUMemoryMiB: UInt32,
        storageBytes: UInt64,
        minBandwidthMbps: UInt32,
        minFaultsTolerated: UInt8
    ) throws {
        try ComputePreferences.checkModelType(modelType)
        self.modelType = modelType
        self.datasetBytes = datasetBytes
        self.minGPUCount = minGPUCount
        self.minGPUMemoryMiB = minGPUMemoryMiB
        self.storageBytes = storageBytes
        self.minBandwidthMbps = minBandwidthMbps
        self.minFaultsTolerated = minFaultsTolerated
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .taskRequirements, version: 1)
        writer.string(modelType)
        writer.u64(datasetBytes)
        writer.u16(minGPUCount)
        writer.u32(minGPUMemoryMiB)
        writer.u64(storageBytes)
        writer.u32(minBandwidthMbps)
        writer.u8(minFaultsTolerated)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .taskRequirements, versions: 1...1)
        try self.init(
            modelType: try reader.string(field: "modelType", limit: ComputePreferences.maxModelTypeLength),
            datasetBytes: try reader.u64(),
            minGPUCount: try reader.u16(),
            minGPUMemoryMiB: try reader.u32(),
            storageBytes: try reader.u64(),
            minBandwidthMbps: try reader.u32(),
            minFaultsTolerated: try reader.u8()
        )
    }
}
