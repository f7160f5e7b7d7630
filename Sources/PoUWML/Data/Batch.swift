public import PoUWCore

/// One training batch as it is hashed, stored and sent.
///
/// Canonical bytes (version 1): `tag 0x33, version 1, featureCount LEB128, rows LEB128, labels (rows bytes),
/// features (rows·featureCount binary32, little-endian, row-major)`. Guarantees: 1…65,536 rows, 1…2^24
/// features, every feature finite (decoding names the offending element), labels are bytes.
public struct Batch: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1
    public static let maxRows = 65_536
    public static let maxFeatures = 1 << 24

    public let featureCount: Int
    public let labels: [UInt8]
    public let features: [Float]

    public var rows: Int { labels.count }

    /// Checks and wraps a batch.
    public init(featureCount: Int, labels: [UInt8], features: [Float]) throws {
        guard (1...Self.maxRows).contains(labels.count) else {
            throw CanonicalDecodingError.invalidValue(
                field: "batch.rows",
                reason: "\(labels.count) is outside 1…\(Self.maxRows)"
            )
        }
        guard (1...Self.maxFeatures).contains(featureCount), features.count == featureCount * labels.count else {
            throw CanonicalDecodingError.invalidValue(
                field: "batch.features",
                reason: "\(features.count) values do not make \(labels.count) rows of \(featureCount)"
            )
        }
        try FloatCoding.checkFinite(features, field: "batch.features")
        self.featureCount = featureCount
        self.labels = labels
        self.features = features
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .batch, versions: Self.version...Self.version)
        let f = try reader.length(field: "batch.featureCount", limit: Self.maxFeatures)
        let rows = try reader.length(field: "batch.rows", limit: Self.maxRows)
        guard f > 0, rows > 0, f * rows <= 1 << 28 else {
            throw CanonicalDecodingError.invalidValue(field: "batch", reason: "\(rows) rows of \(f) features")
        }
        let labels = try reader.raw(rows)
        let features = try FloatCoding.readFinite(f * rows, field: "batch.features", from: &reader)
        try self.init(featureCount: f, labels: labels, features: features)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .batch, version: Self.version)
        writer.length(featureCount)
        writer.length(rows)
        writer.raw(labels)
        FloatCoding.write(features, to: &writer)
    }
}
