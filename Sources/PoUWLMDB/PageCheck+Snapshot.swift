internal import CLMDB

extension PageCheck {
    /// What to check of a snapshot.
    struct Scope {
        /// Named databases to walk besides the main database; `nil` for all of them.
        var databases: Set<String>?
        /// Walk the free database too.
        var free: Bool
        /// Also report damage liblmdb does not act on: meta-page fields that never change, and free pages that a
        /// tree uses or the free list names twice (these need every tree walked).
        var thorough: Bool

        /// Everything: `Environment.checkPages()` and `Store.verify`.
        static let everything = Scope(databases: nil, free: true, thorough: true)
    }

    /// Checks the snapshot of the live read transaction `txn` of `env` (whose data directory is `path`), or returns
    /// `nil` when neither meta page holds that snapshot any more (two commits rewrote it since the transaction
    /// began): then begin a new transaction and call again. The pages of the snapshot cannot change while `txn`
    /// lives: LMDB reuses no page that a live reader's snapshot holds.
    static func snapshot(
        env: OpaquePointer,
        txn: OpaquePointer,
        path: String,
        scope: Scope,
        limit: Int
    ) throws -> PageCheckReport? {
        var stat = MDB_stat()
        try check(mdb_env_stat(env, &stat), "mdb_env_stat", path)
        var descriptor: mdb_filehandle_t = -1
        try check(mdb_env_get_fd(env, &descriptor), "mdb_env_get_fd", path)
        let pageSize = Int(stat.ms_psize)
        let file = try PageFile(descriptor: descriptor, pageSize: pageSize, path: path + "/data.mdb")
        let transactionID = UInt64(bitPattern: Int64(mdb_txn_id(txn)))
        guard let first = file.page(0), let second = file.page(1) else {
            return PageCheckReport(
                problems: [PageProblem(page: 0, database: "(meta)", message: "data.mdb holds no two meta pages")],
                truncated: false,
                pagesChecked: 0,
                transactionID: Int(truncatingIfNeeded: transactionID)
            )
        }
        let metas = [MetaPage(first, number: 0), MetaPage(second, number: 1)]
        guard let current = metas.first(where: { $0.transactionID == transactionID }) else { return nil }
        // liblmdb copied the records when the transaction began: what it sees of the main database must be what
        // the page gave (else the page was being rewritten as it was read).
        var main = MDB_stat()
        if mdb_stat(txn, 1, &main) == 0 {
            let record = current.main
            func bits(_ value: Int) -> UInt64 { UInt64(bitPattern: Int64(value)) }
            guard Int(main.ms_depth) == record.depth, bits(main.ms_entries) == record.entries,
                bits(main.ms_branch_pages) == record.branchPages, bits(main.ms_leaf_pages) == record.leafPages,
                bits(main.ms_overflow_pages) == record.overflowPages
            else { return nil }
        }
        let lastPage = Int(clamping: current.lastPage)
        var check = PageCheck(
            file: file,
            lastPage: min(lastPage, file.pageCount - 1),
            transactionID: transactionID,
            maxKeySize: Int(mdb_env_get_maxkeysize(env)),
            limit: limit
        )
        if scope.thorough {
            for meta in metas {
                for problem in meta.fixedFieldProblems(pageSize: pageSize) {
                    check.report(meta.number, "(meta)", problem)
                }
            }
            // Bits 0x4001 are environment flags (MDB_FIXEDMAP, MDB_NOSUBDIR) kept in the same field.
            if current.free.flags & ~0x4001 != Layout.integerKey {
                check.report(
                    current.number,
                    "(meta)",
                    "free database flags 0x\(String(current.free.flags, radix: 16)), expected MDB_INTEGERKEY (0x8)"
                )
            }
        }
        guard current.lastPage >= 1, lastPage < file.pageCount else {
            check.report(
                current.number,
                "(meta)",
                "names page \(current.lastPage) as the last in use; data.mdb holds \(file.pageCount) pages"
            )
            return check.outcome(transactionID)
        }
        if scope.free { check.checkTree(current.free, name: "(free)", kind: .free, recordPage: current.number) }
        let named = check.checkTree(current.main, name: "(main)", kind: .main, recordPage: current.number)
        for database in named where scope.databases?.contains(database.name) ?? true {
            check.checkTree(database.record, name: database.name, kind: .named, recordPage: database.page)
        }
        if scope.free, scope.thorough, scope.databases == nil { check.checkFreeListAgainstTrees() }
        return check.outcome(transactionID)
    }

    private func outcome(_ transactionID: UInt64) -> PageCheckReport {
        PageCheckReport(
            problems: problems,
            truncated: truncated,
            pagesChecked: pagesChecked,
            transactionID: Int(truncatingIfNeeded: transactionID)
        )
    }
}
