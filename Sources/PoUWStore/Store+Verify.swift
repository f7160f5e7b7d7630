public import PoUWCore
internal import PoUWLMDB

/// One defect found by `verify`: which collection, which key (or which page of `data.mdb`), what is wrong.
///
/// Guarantees: a problem of a stored entry names its key; a problem of the file's structure names its page and the
/// database the page belongs to (`collection`: a collection, or LMDB's `(meta)`, `(free)`, `(main)`), with an empty
/// key.
public struct VerifyProblem: Sendable, Encodable, Equatable {
    public var collection: String
    /// The key, in hex (for `objects`, the object hash); empty for a damaged page.
    public var key: String
    /// A `StoreError.Code` name (`corruptValue`, `missingObject`, …).
    public var code: String
    public var message: String
    /// The damaged page of `data.mdb`, for a problem of the file's structure.
    public var page: Int? = nil
}

/// Progress of a running `verify`.
public struct VerifyProgress: Sendable {
    /// `objects` or a collection name.
    public var phase: String
    public var done: Int
    public var total: Int
    /// The last object key checked; pass it as `resumeAfter` to continue an interrupted verify.
    public var lastKey: Hash256?
}

/// The outcome of `verify`.
///
/// Guarantees: every object checked was decoded and re-hashed; every index entry checked was looked up; every
/// problem names its key.
public struct VerifyReport: Sendable, Encodable {
    public var objectsChecked: Int
    public var bytesDecoded: Int
    public var indexEntriesChecked: Int
    public var problems: [VerifyProblem]
    /// The key verification resumed after, if any.
    public var resumedAfter: String?
    public var ok: Bool { problems.isEmpty }
    /// Whether the file's structure is damaged (a problem names a page): then no entry was checked.
    public var pagesDamaged: Bool { problems.contains { $0.page != nil } }
}

extension Store {
    /// At most this many damaged pages are listed by `verify`.
    static let pageProblemLimit = 100

    /// First checks the structure of `data.mdb` (every page of every tree of one snapshot, read from the file
    /// itself: `Environment.checkPages`); when a page is damaged, reports the damaged pages and stops there, since
    /// liblmdb would walk them unchecked. Then decodes and re-hashes every object (in key order, after
    /// `resumeAfter` if given), then checks that every index entry points at something that exists: block log and
    /// history and checkpoint and dataset entries at objects (the block log may also point at a block record),
    /// transaction locations at a block. Works in short read transactions, so writers are not held back.
    public func verify(
        resumeAfter: Hash256? = nil,
        progress: ((VerifyProgress) -> Void)? = nil
    ) throws -> VerifyReport {
        var report = VerifyReport(
            objectsChecked: 0,
            bytesDecoded: 0,
            indexEntriesChecked: 0,
            problems: [],
            resumedAfter: resumeAfter?.hex
        )
        let pages = try Self.translating { try environment.checkPages(limit: Self.pageProblemLimit) }
        progress?(VerifyProgress(phase: "pages", done: pages.pagesChecked, total: pages.pagesChecked, lastKey: nil))
        if !pages.ok {
            report.problems = pages.problems.map { problem in
                VerifyProblem(
                    collection: problem.database,
                    key: "",
                    code: StoreError.Code.corruptValue.rawValue,
                    message: "page \(problem.page): \(problem.message)",
                    page: problem.page
                )
            }
            if pages.truncated {
                report.problems.append(
                    VerifyProblem(
                        collection: "(data.mdb)",
                        key: "",
                        code: StoreError.Code.corruptValue.rawValue,
                        message: "the page check stopped after \(Self.pageProblemLimit) problems",
                        page: pages.problems.last?.page
                    )
                )
            }
            return report
        }
        let total = try read { try $0.objectCount() }
        var cursor = resumeAfter
        var finished = false
        while !finished {
            try read { view in
                var visited = 0
                finished = true
                try view.forEachObjectKey(after: cursor) { key, sequence in
                    guard let hash = Hash256(bytes: key), let sequence else {
                        report.problems.append(
                            VerifyProblem(
                                collection: "objects",
                                key: Hex.encode(key),
                                code: StoreError.Code.corruptValue.rawValue,
                                message: key.count == 32
                                    ? "index entry is not an 8-byte sequence number" : "object key is not 32 bytes"
                            )
                        )
                        return true
                    }
                    do {
                        let decoded = try view.withStoredValue(sequence: sequence, hash: hash) { value in
                            try codec.decode(value, key: hash)
                        }
                        report.bytesDecoded += decoded.bytes.count
                        if Hash256.sha256(decoded.bytes) != hash {
                            throw StoreError(.corruptValue, "decoded bytes do not hash to the key", hash: hash)
                        }
                    } catch let error as StoreError {
                        report.problems.append(
                            VerifyProblem(
                                collection: "objects",
                                key: hash.hex,
                                code: error.code.rawValue,
                                message: error.message
                            )
                        )
                    }
                    report.objectsChecked += 1
                    cursor = hash
                    visited += 1
                    if visited == 512 {
                        finished = false
                        return false
                    }
                    return true
                }
            }
            progress?(VerifyProgress(phase: "objects", done: report.objectsChecked, total: total, lastKey: cursor))
        }
        try checkValueKeys(&report)
        try verifyIndexes(&report, progress: progress)
        return report
    }

    /// Checks every key of `values` against the index, in one snapshot: a merged value (below the merge mark, or
    /// reached by a merge under way: `MergeProgress.indexes`) must be the one `objects` gives for its hash, any
    /// other must not have an `objects` entry. Names each value that
    /// fails by its hash (or its key, when that is not sequence ‖ hash).
    private func checkValueKeys(_ report: inout VerifyReport) throws {
        try read { view in
            let merged = try view.unmergedRange().lowerBound
            let progress = try view.mergeProgress()
            try view.txn.forEach(databases.values) { key, _ in
                report.indexEntriesChecked += 1
                guard key.byteCount == 40, let hash = Keys.hash(key, at: 8) else {
                    report.problems.append(
                        VerifyProblem(
                            collection: "values",
                            key: Hex.encode(Keys.bytes(key)),
                            code: StoreError.Code.corruptValue.rawValue,
                            message: "values key is not a sequence number and a hash"
                        )
                    )
                    return true
                }
                let sequence = Keys.u64(key, at: 0)
                let indexed = try view.txn.withValue(databases.objects, Keys.key(hash)) {
                    $0.byteCount == 8 ? Keys.u64($0, at: 0) : nil
                }
                let message: String? =
                    MergeProgress.indexes(sequence: sequence, hash: hash, mark: merged, progress: progress)
                    ? (indexed == sequence ? nil : "value \(sequence) is merged but objects does not point at it")
                    : (indexed == nil ? nil : "value \(sequence) is not merged yet but objects has an entry too")
                if let message {
                    report.problems.append(
                        VerifyProblem(
                            collection: "values",
                            key: hash.hex,
                            code: StoreError.Code.corruptValue.rawValue,
                            message: message
                        )
                    )
                }
                return true
            }
        }
    }

    private func verifyIndexes(_ report: inout VerifyReport, progress: ((VerifyProgress) -> Void)?) throws {
        let checks: [(Collection, Int?)] = [
            (.blocks, 0), (.history, 0), (.checkpoints, 0), (.datasets, 0), (.txIndex, 0),
        ]
        for (collection, _) in checks {
            var done = 0
            try read { view in
                let total = try view.txn.count(databases.handle(collection))
                try view.txn.forEach(databases.handle(collection)) { key, value in
                    done += 1
                    if let problem = try check(collection, key: key, value: value, view: view) {
                        report.problems.append(problem)
                    }
                    if done % 4096 == 0 {
                        progress?(VerifyProgress(phase: collection.rawValue, done: done, total: total, lastKey: nil))
                    }
                    return true
                }
                progress?(VerifyProgress(phase: collection.rawValue, done: done, total: total, lastKey: nil))
            }
            report.indexEntriesChecked += done
        }
    }

    private func check(
        _ collection: Collection,
        key: RawSpan,
        value: RawSpan,
        view: StoreView
    ) throws
        -> VerifyProblem?
    {
        let keyBytes = Keys.bytes(key)
        let keyHex = Hex.encode(keyBytes)
        func problem(_ code: StoreError.Code, _ message: String) -> VerifyProblem {
            VerifyProblem(collection: collection.rawValue, key: keyHex, code: code.rawValue, message: message)
        }
        if let shape = collection.entryProblem(key: keyBytes, value: Keys.bytes(value)) {
            return problem(.corruptValue, "entry of the wrong shape: \(shape)")
        }
        let expectedValueSize = collection == .txIndex ? 36 : 32
        guard value.byteCount == expectedValueSize, let target = Keys.hash(value) else {
            return problem(.corruptValue, "entry holds \(value.byteCount) bytes, expected \(expectedValueSize)")
        }
        switch collection {
        case .blocks:
            if try view.contains(target) || view.blockRecord(target) != nil { return nil }
            return problem(.missingObject, "block \(target.hex) is neither an object nor a block record")
        case .txIndex:
            if try view.contains(target) || view.blockRecord(target) != nil { return nil }
            return problem(.missingObject, "transaction's block \(target.hex) is unknown")
        default:
            if try view.contains(target) { return nil }
            return problem(.missingObject, "points at missing object \(target.hex)")
        }
    }
}
