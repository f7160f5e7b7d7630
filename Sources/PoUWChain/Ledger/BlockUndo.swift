public import PoUWCore

/// The undo record of one connected block: the value every state key it touched had before (nil = absent).
/// Canonical: tag `blockUndo` (0x16), version 1, `blockId 32B`, count, then per key (in key order)
/// `key (len-prefixed), present bool, value (len-prefixed, if present)`.
public struct BlockUndo: Sendable, Hashable, CanonicalCodable {
    public var blockId: Hash256
    public var previous: [(key: [UInt8], value: [UInt8]?)]

    public init(blockId: Hash256, previous: [(key: [UInt8], value: [UInt8]?)]) {
        self.blockId = blockId
        self.previous = previous
    }

    public static func == (lhs: BlockUndo, rhs: BlockUndo) -> Bool { lhs.canonicalBytes == rhs.canonicalBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalBytes) }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .blockUndo, version: 1)
        writer.hash(blockId)
        writer.length(previous.count)
        for entry in previous {
            writer.lengthPrefixed(entry.key)
            writer.bool(entry.value != nil)
            if let v = entry.value { writer.lengthPrefixed(v) }
        }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .blockUndo, versions: 1...1)
        blockId = try reader.hash()
        let n = try reader.length(field: "undo.entries", limit: 1 << 22)
        previous = []
        for _ in 0..<n {
            let key = try reader.lengthPrefixed(field: "undo.key", limit: 64)
            let present = try reader.bool(field: "undo.present")
            previous.append((key, present ? try reader.lengthPrefixed(field: "undo.value", limit: 1 << 16) : nil))
        }
    }
}
