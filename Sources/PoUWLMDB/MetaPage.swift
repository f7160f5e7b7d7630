internal import CLMDB

#if canImport(Glibc)
internal import Glibc
#endif

/// Where LMDB 0.9 keeps things in `data.mdb` (liblmdb's `MDB_page`, `MDB_meta`, `MDB_db` and `MDB_node` in mdb.c,
/// built without `MDB_DEVEL`, on a little-endian 64-bit machine).
enum Layout {
    /// `PAGEHDRSZ`: mp_pgno (8), mp_pad (2), mp_flags (2), then mp_lower and mp_upper (2 each) or mp_pages (4).
    static let pageHeaderSize = 16
    static let flagsOffset = 10
    static let lowerOffset = 12
    static let upperOffset = 14
    static let overflowCountOffset = 12

    static let branchPage = 0x01
    static let leafPage = 0x02
    static let overflowPage = 0x04
    static let metaPage = 0x08

    /// `NUM_METAS`: pages 0 and 1.
    static let metaPages = 2
    /// `P_INVALID`: the root of an empty tree.
    static let invalidPage = UInt64.max
    static let magic: UInt32 = 0xBEEF_C0DE
    static let dataVersion: UInt32 = 1
    static let magicOffset = 16
    static let versionOffset = 20
    /// `mm_dbs[FREE_DBI]`, whose md_pad is the page size.
    static let freeRecordOffset = 40
    /// `mm_dbs[MAIN_DBI]`.
    static let mainRecordOffset = 88
    static let lastPageOffset = 136
    static let transactionOffset = 144
    /// The end of `MDB_meta` after the page header.
    static let metaEnd = 152

    /// `NODESIZE`: mn_lo, mn_hi, mn_flags, mn_ksize (2 bytes each), then the key, then the data.
    static let nodeHeaderSize = 8
    static let bigData = 0x01
    static let subData = 0x02
    static let dupData = 0x04
    /// `sizeof(MDB_db)`, the data of an `F_SUBDATA` node.
    static let treeRecordSize = 48
    /// `MDB_INTEGERKEY`, the free database's key order.
    static let integerKey = 0x08
    /// `CURSOR_STACK`: liblmdb's cursors hold no deeper trees.
    static let maximumDepth = 32
    /// Page sizes liblmdb can have written (powers of two).
    static let pageSizes = 512...65536

    /// `EVEN`: node sizes are rounded up to an even number of bytes.
    static func even(_ size: Int) -> Int { (size + 1) & ~1 }
}

/// One `MDB_db`: a tree's root page and counts, as a meta page or a main-database node holds it.
struct TreeRecord: Equatable {
    var pad: UInt32
    var flags: Int
    var depth: Int
    var branchPages: UInt64
    var leafPages: UInt64
    var overflowPages: UInt64
    var entries: UInt64
    var root: UInt64

    init(_ page: PageBytes, at offset: Int) {
        pad = page.u32(offset)
        flags = page.u16(offset + 4)
        depth = page.u16(offset + 6)
        branchPages = page.u64(offset + 8)
        leafPages = page.u64(offset + 16)
        overflowPages = page.u64(offset + 24)
        entries = page.u64(offset + 32)
        root = page.u64(offset + 40)
    }

    var isEmptyTree: Bool { root == Layout.invalidPage }
}

/// The fields of one meta page (page 0 or 1).
struct MetaPage: Equatable {
    let number: Int
    let headerPage: UInt64
    let flags: Int
    let magic: UInt32
    let version: UInt32
    let free: TreeRecord
    let main: TreeRecord
    let lastPage: UInt64
    let transactionID: UInt64

    init(_ page: PageBytes, number: Int) {
        self.number = number
        headerPage = page.u64(0)
        flags = page.u16(Layout.flagsOffset)
        magic = page.u32(Layout.magicOffset)
        version = page.u32(Layout.versionOffset)
        free = TreeRecord(page, at: Layout.freeRecordOffset)
        main = TreeRecord(page, at: Layout.mainRecordOffset)
        lastPage = page.u64(Layout.lastPageOffset)
        transactionID = page.u64(Layout.transactionOffset)
    }

    /// `mm_psize`.
    var pageSize: Int { Int(free.pad) }

    /// Whether liblmdb accepts it as a meta page at all (`mdb_env_read_header`); it refuses the file otherwise.
    var isAcceptedByLMDB: Bool {
        flags & Layout.metaPage != 0 && magic == Layout.magic && version == Layout.dataVersion
    }

    /// What is wrong with the fields that never change after the file is created (a commit rewrites only the
    /// records, the last page and the transaction id), given the page size liblmdb uses.
    func fixedFieldProblems(pageSize: Int) -> [String] {
        var problems: [String] = []
        if headerPage != UInt64(number) { problems.append("its header names page \(headerPage)") }
        if flags != Layout.metaPage {
            problems.append("flags 0x\(String(flags, radix: 16)), expected a meta page (0x08)")
        }
        if magic != Layout.magic { problems.append("magic 0x\(String(magic, radix: 16)), expected 0xbeefc0de") }
        if version != Layout.dataVersion { problems.append("format version \(version), expected 1") }
        if self.pageSize != pageSize { problems.append("page size \(self.pageSize), expected \(pageSize)") }
        return problems
    }

    /// Reads both meta pages of `path` (a `data.mdb`) with `pread`, before liblmdb opens it, and refuses what
    /// liblmdb would act on unchecked: a page size that is no power of two in 512…65536 (it divides by it and
    /// addresses every page with it), meta pages disagreeing on it, and a last page beyond the file (it would map
    /// and read pages that are not there). A missing or empty file, or meta pages liblmdb refuses by itself (wrong
    /// magic, version or flags), are left to liblmdb.
    static func checkBeforeOpen(path: String) throws {
        let file = path + "/data.mdb"
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0 else { return }
        let size = Int(status.st_size)
        guard let first = read(descriptor, at: 0, number: 0), first.isAcceptedByLMDB else { return }
        guard Layout.pageSizes.contains(first.pageSize), first.pageSize.nonzeroBitCount == 1 else {
            throw corrupted(file, "meta page 0 gives a page size of \(first.pageSize)")
        }
        guard let second = read(descriptor, at: first.pageSize, number: 1), second.isAcceptedByLMDB else { return }
        guard second.pageSize == first.pageSize else {
            throw corrupted(file, "meta page 1 gives a page size of \(second.pageSize), meta page 0 \(first.pageSize)")
        }
        // liblmdb uses the meta page with the larger transaction id.
        let newest = second.transactionID > first.transactionID ? second : first
        let pages = size / first.pageSize
        guard newest.lastPage >= 1, newest.lastPage < UInt64(pages) else {
            throw MapBounds.cutShort(file, size: size, lastPage: newest.lastPage, pageSize: first.pageSize)
        }
    }

    private static func read(_ descriptor: Int32, at offset: Int, number: Int) -> MetaPage? {
        var buffer = [UInt8](repeating: 0, count: Layout.metaEnd)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard count == Layout.metaEnd else { return nil }
        return buffer.withUnsafeBytes { MetaPage(PageBytes(bytes: $0), number: number) }
    }

    private static func corrupted(_ file: String, _ message: String) -> LMDBError {
        LMDBError(code: MDB_CORRUPTED, operation: "open", context: "\(file): \(message): a damaged meta page")
    }
}
