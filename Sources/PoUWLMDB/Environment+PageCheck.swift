internal import CLMDB

extension Environment {
    /// How many read transactions a page check begins before giving up on finding its snapshot's meta page (each
    /// attempt fails only if two commits land between beginning the transaction and reading the meta pages).
    static let snapshotAttempts = 20

    /// Checks the structure of `data.mdb` in one snapshot, reading the file directly rather than through liblmdb
    /// (`PageCheck` lists what is checked). With `databases` nil, everything: both meta pages, the free list, the
    /// main database and every named database it lists, and that no page is both free and in use; otherwise the
    /// main database and the named databases given. Runs in one read transaction, so writers go on meanwhile.
    ///
    /// A report without problems means liblmdb's walks of those trees in that snapshot stay inside the file.
    public func checkPages(of databases: [Database]? = nil, limit: Int = 100) throws -> PageCheckReport {
        let scope =
            databases.map { PageCheck.Scope(databases: Set($0.map(\.name)), free: false, thorough: false) }
            ?? .everything
        for _ in 0..<Self.snapshotAttempts {
            let report = try read { txn in
                try PageCheck.snapshot(env: env, txn: txn.handle, path: path, scope: scope, limit: limit)
            }
            if let report { return report }
        }
        return PageCheckReport(
            problems: [Self.noSnapshotMeta],
            truncated: false,
            pagesChecked: 0,
            transactionID: info().lastTransactionID
        )
    }

    private static let noSnapshotMeta = PageProblem(
        page: 0,
        database: "(meta)",
        message: "neither meta page holds the transaction that \(snapshotAttempts) read transactions in a row saw"
    )

    /// At open, before liblmdb walks any tree: the main database (which `mdb_dbi_open` searches), the named
    /// `databases` (`EnvironmentOptions.checkedAtOpen`) and, when writes are possible, the free database (which
    /// every commit reads). Throws `MDB_CORRUPTED` naming the first damaged page.
    static func checkPagesAtOpen(_ env: OpaquePointer, path: String, readOnly: Bool, databases: [String]) throws {
        let scope = PageCheck.Scope(databases: Set(databases), free: !readOnly, thorough: false)
        var report: PageCheckReport?
        for _ in 0..<snapshotAttempts where report == nil {
            var txn: OpaquePointer?
            try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin", "page check")
            guard let txn else { throw LMDBError(code: MDB_BAD_TXN, operation: "mdb_txn_begin") }
            defer { mdb_txn_abort(txn) }
            report = try PageCheck.snapshot(env: env, txn: txn, path: path, scope: scope, limit: 1)
        }
        if let problem = report?.problems.first ?? (report == nil ? noSnapshotMeta : nil) {
            throw LMDBError(
                code: MDB_CORRUPTED,
                operation: "open",
                context: "\(path)/data.mdb, \(problem): a damaged page"
            )
        }
    }
}
