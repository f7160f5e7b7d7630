internal import PoUWCore

/// Key layouts of the sub-databases. Integers are big-endian so byte order is numeric order.
enum Keys {
    static func u64(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func u64(_ span: RawSpan, at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(span.unsafeLoad(fromByteOffset: offset + i, as: UInt8.self)) }
        return value
    }

    static func hash(_ span: RawSpan, at offset: Int = 0) -> Hash256? {
        guard span.byteCount >= offset + 32 else { return nil }
        func word(_ i: Int) -> UInt64 { u64(span, at: offset + 8 * i) }
        return Hash256(w0: word(0), w1: word(1), w2: word(2), w3: word(3))
    }

    static func bytes(_ span: RawSpan) -> [UInt8] { span.withUnsafeBytes { Array($0) } }

    /// The 32 key bytes of `hash` in one allocation (hot path: every object read and write).
    @inline(__always)
    static func key(_ hash: Hash256) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: hash.w0.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: hash.w1.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: hash.w2.bigEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: hash.w3.bigEndian, toByteOffset: 24, as: UInt64.self)
            initialized = 32
        }
    }

    static func history(_ task: Hash256, _ sequence: UInt64) -> [UInt8] { key(task) + u64(sequence) }

    /// The key of a stored value: its sequence number, then its object's hash (40 bytes).
    static func value(_ sequence: UInt64, _ hash: Hash256) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 40) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: sequence.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: hash.w0.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: hash.w1.bigEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: hash.w2.bigEndian, toByteOffset: 24, as: UInt64.self)
            raw.storeBytes(of: hash.w3.bigEndian, toByteOffset: 32, as: UInt64.self)
            initialized = 40
        }
    }

    static func checkpoint(_ task: Hash256, _ miner: [UInt8], _ iteration: UInt64) -> [UInt8] {
        key(task) + [UInt8(miner.count)] + miner + u64(iteration)
    }

    static func dataset(_ root: Hash256, _ index: UInt64) -> [UInt8] { key(root) + u64(index) }

    static let formatKey = Array("format".utf8)
    /// The merge mark: every value with a smaller sequence number has its entry in `objects`.
    static let mergedKey = Array("merged".utf8)
    /// The merge under way (`MergeProgress`), absent when none is.
    static let mergingKey = Array("merging".utf8)
    static func dictionary(_ id: UInt32) -> [UInt8] {
        Array("dict/".utf8) + withUnsafeBytes(of: id.bigEndian) { Array($0) }
    }
    static let dictionaryPrefix = Array("dict/".utf8)
    static func currentDictionary(_ kind: ObjectKind) -> [UInt8] { Array("dictcur/".utf8) + [kind.rawValue] }
    /// Per-kind counters, in LMDB's main database (the NUL keeps the key apart from database names).
    static func kindStats(_ kind: ObjectKind) -> [UInt8] { [0] + Array("stats/".utf8) + [kind.rawValue] }
    /// Where store format 1 kept them, in `meta`.
    static func legacyKindStats(_ kind: ObjectKind) -> [UInt8] { Array("stats/".utf8) + [kind.rawValue] }
}

/// The sub-databases of a store's LMDB environment.
enum Collection: String, CaseIterable, Sendable {
    /// Object hash → sequence number in `values`, for every value below the merge mark.
    case objects
    /// Sequence number (u64 BE, appended in order) ‖ object hash → stored value (header + payload).
    case values
    case blocks
    case blockIndex = "block_index"
    case txIndex = "tx_index"
    case history
    case checkpoints
    case datasets
    case state
    case undo
    case meta
}
