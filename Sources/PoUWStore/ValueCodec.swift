internal import PoUWCore
internal import PoUWZstd

/// Turns objects into stored values and back: picks the codec per kind, falls back to raw when compression
/// does not pay, and decodes with every size checked before allocating.
struct ValueCodec: Sendable {
    let dictionaries: DictionaryRegistry
    let maxObjectSize: Int

    /// zstd level for dense float planes (with `.entropyOnly` tuning: the gain is in Huffman-coding the planes).
    static let denseLevel = 1
    static let smallLevel = 1
    static let bulkLevel = 3

    /// The stored value for `bytes` of `kind`: never longer than a raw header plus the bytes; raw when
    /// `preference` is `.fastestRead`.
    func encode(_ kind: ObjectKind, _ bytes: [UInt8], preference: StoragePreference = .smallest) throws -> [UInt8] {
        // A raw header is 3 bytes, the LEB128 length, a zero dictionary id and the CRC.
        let limit = 5 + Self.leb128Size(bytes.count) + bytes.count
        if case .smallestWithSparseWords(let words) = preference, let candidate = try? sectioned(kind, bytes, words),
            candidate.count < limit
        {
            return candidate
        }
        if preference != .fastestRead, let candidate = try? compressed(kind, bytes), candidate.count < limit {
            return candidate
        }
        var value = ValueHeader(kind: kind, codec: .raw, rawLength: bytes.count).bytes
        value.reserveCapacity(limit)
        value.append(contentsOf: bytes)
        return value
    }

    static func leb128Size(_ value: Int) -> Int {
        var size = 1
        var v = value >> 7
        while v > 0 {
            size += 1
            v >>= 7
        }
        return size
    }

    /// `Codec.sparseSectionZstd`, with the kind's dictionary when it has one; `nil` when the section does not
    /// qualify (fewer than `SparseSection.minimumWords` words, or `SparseSection.encode` refuses it).
    private func sectioned(_ kind: ObjectKind, _ bytes: [UInt8], _ words: Range<Int>) throws -> [UInt8]? {
        guard words.count / 4 >= SparseSection.minimumWords, let stream = SparseSection.encode(bytes, words: words)
        else { return nil }
        let dictionary = kind.usesDictionary ? dictionaries.compressionDictionary(for: kind) : nil
        let header = ValueHeader(
            kind: kind,
            codec: .sparseSectionZstd,
            rawLength: bytes.count,
            dictionaryID: dictionary?.id ?? 0
        ).bytes
        if let dictionary {
            return try Zstd.compress(stream, level: DictionaryRegistry.level, dictionary: dictionary, prefix: header)
        }
        return try Zstd.compress(stream, level: Self.smallLevel, prefix: header)
    }

    private func compressed(_ kind: ObjectKind, _ bytes: [UInt8]) throws -> [UInt8]? {
        if bytes.count < 16 { return nil }
        switch kind {
        case .checkpoint, .denseTensor:
            let header = ValueHeader(kind: kind, codec: .shuffle4Zstd, rawLength: bytes.count).bytes
            let shuffled = [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
                bytes.withUnsafeBytes { ByteShuffle.shuffle($0, into: UnsafeMutableRawBufferPointer(buffer)) }
                initialized = bytes.count
            }
            return try Zstd.compress(shuffled, level: Self.denseLevel, prefix: header, tuning: .entropyOnly)
        case .sparseUpdate:
            if let coded = bytes.withUnsafeBytes({ SparseCoding.encode($0) }) {
                let header = ValueHeader(kind: kind, codec: .sparseDeltaZstd, rawLength: bytes.count).bytes
                return try Zstd.compress(coded, level: Self.smallLevel, prefix: header)
            }
        case _ where kind.usesDictionary:
            if let dictionary = dictionaries.compressionDictionary(for: kind) {
                let header = ValueHeader(
                    kind: kind,
                    codec: .zstdDictionary,
                    rawLength: bytes.count,
                    dictionaryID: dictionary.id
                ).bytes
                return try Zstd.compress(bytes, level: DictionaryRegistry.level, dictionary: dictionary, prefix: header)
            }
        default:
            break
        }
        let header = ValueHeader(kind: kind, codec: .zstd, rawLength: bytes.count).bytes
        let level = bytes.count > 256 << 10 ? Self.bulkLevel : Self.smallLevel
        return try Zstd.compress(bytes, level: level, prefix: header)
    }

    /// The header of a stored value.
    func header(_ value: RawSpan, key: Hash256) throws -> ValueHeader {
        try value.withUnsafeBytes { try ValueHeader.parse($0, key: key).0 }
    }

    /// Decodes a stored value (without re-hashing; `Store` does that).
    func decode(_ value: RawSpan, key: Hash256) throws -> (kind: ObjectKind, bytes: [UInt8]) {
        let decoded = try decodeWithStorage(value, key: key)
        return (decoded.kind, decoded.bytes)
    }

    /// `decode`, plus the preference that stores the object the same way again where the kind's default would not:
    /// `.fastestRead` for a raw value, `.smallestWithSparseWords` with the range a `Codec.sparseSectionZstd` value
    /// was coded with, `nil` for the other codecs (what an export keeps, so that an import stores it alike).
    func decodeWithStorage(
        _ value: RawSpan,
        key: Hash256
    ) throws -> (kind: ObjectKind, bytes: [UInt8], storage: StoragePreference?) {
        try value.withUnsafeBytes { raw in
            let (header, headerSize) = try ValueHeader.parse(raw, key: key)
            let size = header.rawLength
            guard size <= maxObjectSize else {
                throw StoreError(
                    .decompressionBomb,
                    "value declares \(size) bytes, beyond the limit of \(maxObjectSize)",
                    hash: key
                )
            }
            let payload = UnsafeRawBufferPointer(rebasing: raw[headerSize...])
            let span = RawSpan(_unsafeBytes: payload)
            do {
                if header.codec == .sparseSectionZstd {
                    let (bytes, words) = try decodeSparseSection(header, span, key: key)
                    return (header.kind, bytes, .smallestWithSparseWords(words))
                }
                let bytes = try decodePayload(header, span, payload.count, key: key)
                return (header.kind, bytes, header.codec == .raw ? .fastestRead : nil)
            } catch let error as ZstdError {
                throw Self.storeError(error, key: key)
            }
        }
    }

    private func decodePayload(
        _ header: ValueHeader,
        _ payload: RawSpan,
        _ payloadCount: Int,
        key: Hash256
    ) throws
        -> [UInt8]
    {
        let size = header.rawLength
        switch header.codec {
        case .raw:
            guard payloadCount == size else {
                throw StoreError(
                    payloadCount < size ? .truncatedFrame : .corruptValue,
                    "raw value holds \(payloadCount) bytes, header says \(size)",
                    hash: key
                )
            }
            return payload.withUnsafeBytes { Array($0) }
        case .zstd:
            return try Zstd.decompress(payload, limit: size)
        case .zstdDictionary:
            return try Zstd.decompress(payload, limit: size, dictionary: try dictionary(header, key: key))
        case .sparseSectionZstd:
            return try decodeSparseSection(header, payload, key: key).bytes
        case .shuffle4Zstd:
            return try Zstd.withDecompressed(payload, limit: size) { planes in
                try planes.withUnsafeBytes { src in
                    guard src.count == size else {
                        throw ZstdError.sizeMismatch(declared: UInt64(size), actual: src.count)
                    }
                    return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                        ByteShuffle.unshuffle(src, into: UnsafeMutableRawBufferPointer(buffer))
                        initialized = size
                    }
                }
            }
        case .sparseDeltaZstd:
            guard size % 4 == 0 else {
                throw StoreError(.corruptValue, "sparse value length \(size) is not a multiple of 4", hash: key)
            }
            return try Zstd.withDecompressed(payload, limit: size / 4 * 5) { coded in
                var ok = false
                let words = coded.withUnsafeBytes { src in
                    [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                        ok = SparseCoding.decode(src, wordCount: size / 4, into: UnsafeMutableRawBufferPointer(buffer))
                        initialized = ok ? size : 0
                    }
                }
                guard ok else { throw StoreError(.corruptValue, "malformed sparse delta coding", hash: key) }
                return words
            }
        }
    }

    /// A `Codec.sparseSectionZstd` value's bytes and the byte range of its words.
    private func decodeSparseSection(
        _ header: ValueHeader,
        _ payload: RawSpan,
        key: Hash256
    ) throws -> (bytes: [UInt8], words: Range<Int>) {
        let size = header.rawLength
        let dictionary = header.dictionaryID == 0 ? nil : try dictionary(header, key: key)
        return try Zstd.withDecompressed(payload, limit: SparseSection.streamLimit(size: size), dictionary: dictionary)
        {
            stream in
            try stream.withUnsafeBytes { raw in
                guard let record = SparseSection.decode(raw, size: size),
                    let words = SparseSection.words(of: raw, size: size)
                else { throw StoreError(.corruptValue, "malformed sparse section coding", hash: key) }
                return (record, words)
            }
        }
    }

    /// What a dictionary for the value's kind learns from a stored value: the object itself, except for
    /// `Codec.sparseSectionZstd`, whose frames hold the coded stream (delta-coded words between the record's other
    /// bytes), which is what the dictionary will compress (so its entropy tables fit the deltas too).
    func trainingSample(_ value: RawSpan, key: Hash256) throws -> (kind: ObjectKind, bytes: [UInt8]) {
        try value.withUnsafeBytes { raw in
            let (header, headerSize) = try ValueHeader.parse(raw, key: key)
            guard header.codec == .sparseSectionZstd else { return try decode(value, key: key) }
            let payload = RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: raw[headerSize...]))
            let dictionary = header.dictionaryID == 0 ? nil : try dictionary(header, key: key)
            let limit = SparseSection.streamLimit(size: min(header.rawLength, maxObjectSize))
            do {
                return (header.kind, try Zstd.decompress(payload, limit: limit, dictionary: dictionary))
            } catch let error as ZstdError {
                throw Self.storeError(error, key: key)
            }
        }
    }

    /// The decompression dictionary `header` names.
    private func dictionary(_ header: ValueHeader, key: Hash256) throws -> DecompressionDictionary {
        guard let dictionary = dictionaries.decompressionDictionary(id: header.dictionaryID) else {
            throw StoreError(
                .missingDictionary,
                "value needs dictionary \(header.dictionaryID), which the store lacks",
                hash: key
            )
        }
        return dictionary
    }

    static func storeError(_ error: ZstdError, key: Hash256) -> StoreError {
        switch error {
        case .truncatedFrame: StoreError(.truncatedFrame, "stored zstd frame is truncated", hash: key, cause: error)
        case .decompressionBomb(let declared, let limit):
            StoreError(
                .decompressionBomb,
                "frame declares \(declared) bytes, beyond the limit of \(limit)",
                hash: key,
                cause: error
            )
        default: StoreError(.corruptValue, "stored frame is corrupt: \(error)", hash: key, cause: error)
        }
    }
}
