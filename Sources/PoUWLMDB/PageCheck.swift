internal import CLMDB

#if canImport(Glibc)
internal import Glibc
#endif

/// A structural check of one snapshot of `data.mdb`, reading the file itself (`PageFile`), never through liblmdb,
/// which has no page checksums and walks whatever a page says.
///
/// Guarantees: it never traps and never reads outside the file, whatever the file holds. It reports every page of
/// the trees it walks that breaks an invariant liblmdb relies on while walking them:
/// - a page number beyond the meta page's last page or the file, or a meta page (0, 1), where a tree page is expected;
/// - a header naming another page, or flags other than exactly those its parent implies (branch above `md_depth`,
///   leaf at it, overflow for `F_BIGDATA`);
/// - `mp_lower` / `mp_upper` outside 16 ≤ lower ≤ upper ≤ page size, or odd; no node on a leaf, fewer than two on a
///   branch (liblmdb asserts that, outside the free database);
/// - a node starting before `mp_upper` or at an odd offset, reaching past the page, overlapping another, or the
///   nodes not filling `mp_upper`…page end exactly;
/// - node flags other than none, `F_BIGDATA`, or `F_SUBDATA` (48 bytes, main database only); a key longer than
///   liblmdb's maximum or empty; keys not strictly ascending (bytewise; as integers, 8 bytes each, in the free
///   database), or outside the range the parent gives the page;
/// - a page reached twice (a cycle, or a page shared between trees), overflow runs past the last page or the file,
///   overlapping other pages, or too short for their data;
/// - a tree record whose depth, page counts or entry count differ from the tree, flags other than none on a
///   database (this module opens none with flags), a depth beyond liblmdb's cursor stack;
/// - free-list records that are not a count and that many page numbers, strictly descending, each a page that
///   exists and no tree uses, and none listed twice.
struct PageCheck {
    enum Kind {
        case free
        case main
        case named
    }

    /// A named database's record, found in the main database.
    struct SubDatabase {
        let name: String
        let record: TreeRecord
        /// The main-database leaf page holding the record.
        let page: Int
    }

    private struct Tree {
        let name: String
        let kind: Kind
        let depth: Int
        var branchPages: UInt64 = 0
        var leafPages: UInt64 = 0
        var overflowPages: UInt64 = 0
        var entries: UInt64 = 0
        var damaged = false
        var subDatabases: [SubDatabase] = []
    }

    private let file: PageFile
    private let pageSize: Int
    private let lastPage: Int
    private let transactionID: UInt64
    private let maxKeySize: Int
    private let limit: Int
    private(set) var problems: [PageProblem] = []
    private(set) var truncated = false
    private(set) var pagesChecked = 0
    private var inUse: PageSet
    /// Pages the free database lists, with the leaf page listing each.
    private var freeEntries: [(page: Int, leaf: Int)] = []

    /// A check of the pages of `file` up to `lastPage` (clamped to the file), for the snapshot of `transactionID`.
    init(file: PageFile, lastPage: Int, transactionID: UInt64, maxKeySize: Int, limit: Int) {
        self.file = file
        pageSize = file.pageSize
        self.lastPage = lastPage
        self.transactionID = transactionID
        self.maxKeySize = maxKeySize
        self.limit = max(limit, 1)
        inUse = PageSet(count: min(lastPage + 1, file.pageCount))
    }

    mutating func report(_ page: Int, _ database: String, _ message: String) {
        guard problems.count < limit else {
            truncated = true
            return
        }
        problems.append(PageProblem(page: page, database: database, message: message))
    }

    // MARK: Trees

    /// Walks the tree of `record` (held on page `recordPage`) and returns the named databases it lists (main only).
    @discardableResult
    mutating func checkTree(_ record: TreeRecord, name: String, kind: Kind, recordPage: Int) -> [SubDatabase] {
        guard !truncated else { return [] }
        if kind != .free, record.flags != 0 {
            report(recordPage, name, "database flags 0x\(String(record.flags, radix: 16)); this module opens none")
            return []
        }
        if record.isEmptyTree {
            if record.depth != 0 || record.branchPages != 0 || record.leafPages != 0 || record.overflowPages != 0
                || record.entries != 0
            {
                report(recordPage, name, "the record of an empty tree gives depth \(record.depth), \(counts(record))")
            }
            return []
        }
        guard (1...Layout.maximumDepth).contains(record.depth) else {
            report(recordPage, name, "tree depth \(record.depth), outside 1…\(Layout.maximumDepth)")
            return []
        }
        var tree = Tree(name: name, kind: kind, depth: record.depth)
        visit(record.root, level: 1, low: nil, high: nil, referrer: recordPage, tree: &tree)
        guard !tree.damaged, !truncated else { return tree.subDatabases }
        if tree.branchPages != record.branchPages || tree.leafPages != record.leafPages
            || tree.overflowPages != record.overflowPages || tree.entries != record.entries
        {
            report(
                recordPage,
                name,
                "the tree's record gives \(counts(record)); the tree holds \(tree.branchPages) branch, "
                    + "\(tree.leafPages) leaf and \(tree.overflowPages) overflow pages and \(tree.entries) entries"
            )
        }
        return tree.subDatabases
    }

    private func counts(_ record: TreeRecord) -> String {
        "\(record.branchPages) branch, \(record.leafPages) leaf and \(record.overflowPages) overflow pages and "
            + "\(record.entries) entries"
    }

    /// Claims page `number` for a tree (reached from page `referrer`): it must exist, lie in the file and not be in
    /// use yet.
    private mutating func claim(_ number: UInt64, referrer: Int, tree: inout Tree) -> (Int, PageBytes)? {
        guard let page = Int(exactly: number), page >= Layout.metaPages, page <= lastPage else {
            tree.damaged = true
            report(referrer, tree.name, "points at page \(number), outside the pages in use (2…\(lastPage))")
            return nil
        }
        guard let bytes = file.page(page) else {
            tree.damaged = true
            report(referrer, tree.name, "points at page \(page), past the end of data.mdb (\(file.pageCount) pages)")
            return nil
        }
        guard !inUse.contains(page) else {
            tree.damaged = true
            report(referrer, tree.name, "points at page \(page), which is already in use (a cycle or a shared page)")
            return nil
        }
        inUse.insert(page)
        pagesChecked += 1
        return (page, bytes)
    }

    private mutating func visit(
        _ number: UInt64,
        level: Int,
        low: UnsafeRawBufferPointer?,
        high: UnsafeRawBufferPointer?,
        referrer: Int,
        tree: inout Tree
    ) {
        guard !truncated, let (page, bytes) = claim(number, referrer: referrer, tree: &tree) else { return }
        let isLeaf = level == tree.depth
        guard let nodes = nodes(of: bytes, page: page, isLeaf: isLeaf, level: level, low: low, high: high, tree: tree)
        else {
            tree.damaged = true
            return
        }
        if isLeaf {
            tree.leafPages += 1
            tree.entries += UInt64(nodes.count)
            for (index, node) in nodes.enumerated() {
                checkLeafNode(node, index: index, bytes: bytes, page: page, tree: &tree)
            }
        } else {
            tree.branchPages += 1
            for (index, node) in nodes.enumerated() {
                let childLow = index == 0 ? low : node.key
                let childHigh = index + 1 < nodes.count ? nodes[index + 1].key : high
                visit(node.child, level: level + 1, low: childLow, high: childHigh, referrer: page, tree: &tree)
                if truncated { return }
            }
        }
    }

    // MARK: Nodes

    private struct Node {
        let offset: Int
        let flags: Int
        let key: UnsafeRawBufferPointer
        /// Leaf: the data size; branch: unused.
        let dataSize: Int
        /// Branch: the child page.
        let child: UInt64
    }

    /// The nodes of `bytes` (page `page`) when its header and nodes are sound; reports the first problem otherwise.
    private mutating func nodes(
        of bytes: PageBytes,
        page: Int,
        isLeaf: Bool,
        level: Int,
        low: UnsafeRawBufferPointer?,
        high: UnsafeRawBufferPointer?,
        tree: Tree
    ) -> [Node]? {
        func fail(_ message: String) -> [Node]? {
            report(page, tree.name, message)
            return nil
        }
        let header = bytes.u64(0)
        if header != UInt64(page) { return fail("its header names page \(header)") }
        let flags = bytes.u16(Layout.flagsOffset)
        let expected = isLeaf ? Layout.leafPage : Layout.branchPage
        if flags != expected {
            return fail(
                "flags 0x\(String(flags, radix: 16)), expected a \(isLeaf ? "leaf (0x02)" : "branch (0x01)") at "
                    + "level \(level) of a tree of depth \(tree.depth)"
            )
        }
        let lower = bytes.u16(Layout.lowerOffset)
        let upper = bytes.u16(Layout.upperOffset)
        guard lower >= Layout.pageHeaderSize, lower <= upper, upper <= pageSize, lower % 2 == 0, upper % 2 == 0 else {
            return fail("free space \(lower)…\(upper), outside 16…\(pageSize) or odd")
        }
        let count = (lower - Layout.pageHeaderSize) / 2
        let minimum = isLeaf || tree.kind == .free ? 1 : 2
        if count < minimum { return fail("\(count) nodes on a \(isLeaf ? "leaf" : "branch") page") }
        var nodes: [Node] = []
        nodes.reserveCapacity(count)
        var extents: [(start: Int, end: Int)] = []
        extents.reserveCapacity(count)
        for index in 0..<count {
            let offset = bytes.u16(Layout.pageHeaderSize + 2 * index)
            guard offset >= upper, offset % 2 == 0, offset <= pageSize - Layout.nodeHeaderSize else {
                return fail("node \(index) starts at offset \(offset), outside \(upper)…\(pageSize) or odd")
            }
            let lo = UInt64(bytes.u16(offset))
            let hi = UInt64(bytes.u16(offset + 2))
            let nodeFlags = bytes.u16(offset + 4)
            let keySize = bytes.u16(offset + 6)
            var size = Layout.nodeHeaderSize + keySize
            let dataSize = Int(lo | hi << 16)
            if isLeaf {
                switch nodeFlags {
                case 0: size += dataSize
                case Layout.bigData: size += 8
                case Layout.subData where tree.kind == .main && dataSize == Layout.treeRecordSize: size += dataSize
                default:
                    return fail(
                        "node \(index) has flags 0x\(String(nodeFlags, radix: 16)) and \(dataSize) bytes of data"
                    )
                }
            }
            guard size <= pageSize - offset else {
                return fail("node \(index) (\(size) bytes at offset \(offset)) reaches past the end of the page")
            }
            let key = bytes.slice(offset + Layout.nodeHeaderSize, keySize)
            let ordered = isLeaf || index > 0
            if keySize > maxKeySize { return fail("node \(index) has a key of \(keySize) bytes") }
            if ordered {
                if tree.kind == .free && keySize != 8 {
                    return fail("node \(index) has a key of \(keySize) bytes; free-list keys are 8")
                }
                if keySize == 0 { return fail("node \(index) has an empty key") }
                let transaction = bytes.u64(offset + Layout.nodeHeaderSize)
                if tree.kind == .free, isLeaf, transaction < 1 || transaction > transactionID {
                    return fail("free-list record \(index) is keyed by transaction \(transaction)")
                }
                if let previous = nodes.last, index > 1 || isLeaf, compare(previous.key, key, tree.kind) >= 0 {
                    return fail("keys out of order at node \(index)")
                }
                if let low, nodes.count == (isLeaf ? 0 : 1), compare(key, low, tree.kind) < 0 {
                    return fail("node \(index)'s key sorts before the range the parent page gives")
                }
                if let high, index == count - 1, compare(key, high, tree.kind) >= 0 {
                    return fail("node \(index)'s key sorts after the range the parent page gives")
                }
            }
            extents.append((offset, offset + Layout.even(size)))
            nodes.append(
                Node(
                    offset: offset,
                    flags: nodeFlags,
                    key: key,
                    dataSize: dataSize,
                    child: lo | hi << 16 | UInt64(nodeFlags) << 32
                )
            )
        }
        extents.sort { $0.start < $1.start }
        var end = upper
        for extent in extents {
            if extent.start < end { return fail("nodes overlap at offset \(extent.start)") }
            if extent.start > end { return fail("a gap of \(extent.start - end) bytes between the nodes at \(end)") }
            end = extent.end
        }
        if end != pageSize { return fail("the nodes end at offset \(end), not at the end of the page") }
        return nodes
    }

    /// LMDB's key order: bytewise with a shorter prefix first (`mdb_cmp_memn`), or 8-byte native integers in the
    /// free database (`mdb_cmp_long`).
    private func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ kind: Kind) -> Int {
        if kind == .free, a.count == 8, b.count == 8 {
            let x = UInt64(littleEndian: a.loadUnaligned(as: UInt64.self))
            let y = UInt64(littleEndian: b.loadUnaligned(as: UInt64.self))
            return x < y ? -1 : x == y ? 0 : 1
        }
        let common = min(a.count, b.count)
        if common > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let order = memcmp(pa, pb, common)
            if order != 0 { return Int(order) }
        }
        return a.count < b.count ? -1 : a.count == b.count ? 0 : 1
    }

    private mutating func checkLeafNode(_ node: Node, index: Int, bytes: PageBytes, page: Int, tree: inout Tree) {
        let dataOffset = node.offset + Layout.nodeHeaderSize + node.key.count
        var data = bytes.slice(dataOffset, node.dataSize)
        if node.flags == Layout.bigData {
            guard let run = checkOverflow(bytes.u64(dataOffset), dataSize: node.dataSize, leaf: page, tree: &tree)
            else { return }
            data = run
        }
        if node.flags == Layout.subData {
            let name = String(decoding: node.key, as: UTF8.self)
            tree.subDatabases.append(SubDatabase(name: name, record: TreeRecord(bytes, at: dataOffset), page: page))
        }
        if tree.kind == .free { checkFreeList(data, leaf: page, node: index, tree: &tree) }
    }

    /// Checks the overflow run at `number` holding `dataSize` bytes for a node of leaf page `leaf`; returns the data.
    private mutating func checkOverflow(
        _ number: UInt64,
        dataSize: Int,
        leaf: Int,
        tree: inout Tree
    ) -> UnsafeRawBufferPointer? {
        guard let (start, bytes) = claim(number, referrer: leaf, tree: &tree) else { return nil }
        func fail(_ message: String) -> UnsafeRawBufferPointer? {
            tree.damaged = true
            report(start, tree.name, message)
            return nil
        }
        if bytes.u64(0) != number { return fail("its header names page \(bytes.u64(0))") }
        let flags = bytes.u16(Layout.flagsOffset)
        if flags != Layout.overflowPage {
            return fail("flags 0x\(String(flags, radix: 16)), expected an overflow page (0x04) for leaf \(leaf)")
        }
        let count = Int(bytes.u32(Layout.overflowCountOffset))
        let last = start + count - 1
        guard count >= 1, last <= lastPage, last < file.pageCount else {
            return fail(
                "an overflow run of \(count) pages reaches past the last page \(min(lastPage, file.pageCount - 1))"
            )
        }
        let needed = (Layout.pageHeaderSize - 1 + dataSize) / pageSize + 1
        if needed > count {
            return fail("\(dataSize) bytes of data need \(needed) pages; the overflow run holds \(count)")
        }
        if count > 1, let taken = inUse.firstMember(in: start + 1...last) {
            return fail("the overflow run \(start)…\(last) overlaps page \(taken), which is already in use")
        }
        if count > 1 { inUse.insert(start + 1...last) }
        pagesChecked += count - 1
        tree.overflowPages += UInt64(count)
        return file.bytes(page: start, offset: Layout.pageHeaderSize, count: dataSize)
    }

    /// A free-list record: a count, then that many page numbers (`MDB_IDL`), strictly descending.
    private mutating func checkFreeList(_ data: UnsafeRawBufferPointer, leaf: Int, node: Int, tree: inout Tree) {
        func fail(_ message: String) {
            tree.damaged = true
            report(leaf, tree.name, "free-list record \(node): \(message)")
        }
        func word(_ index: Int) -> UInt64 {
            UInt64(littleEndian: data.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        guard data.count >= 8, data.count % 8 == 0 else { return fail("\(data.count) bytes, not a list of pages") }
        let capacity = data.count / 8 - 1
        let count = word(0)
        guard count <= UInt64(capacity) else { return fail("says \(count) pages but holds room for \(capacity)") }
        var previous = UInt64.max
        for index in stride(from: 1, through: Int(count), by: 1) {
            let page = word(index)
            guard page >= UInt64(Layout.metaPages), page <= UInt64(lastPage) else {
                return fail("lists page \(page), outside the pages in use (2…\(lastPage))")
            }
            guard page < previous else { return fail("lists page \(page) after \(previous): not descending") }
            previous = page
            freeEntries.append((Int(page), leaf))
        }
    }

    /// After every tree was walked: no page the free list names is in use by a tree, or named twice.
    mutating func checkFreeListAgainstTrees() {
        guard !truncated else { return }
        var listed = PageSet(count: inUse.count)
        for entry in freeEntries {
            if inUse.contains(entry.page) {
                report(entry.leaf, "(free)", "the free list names page \(entry.page), which a tree uses")
            } else if listed.contains(entry.page) {
                report(entry.leaf, "(free)", "the free list names page \(entry.page) twice")
            }
            listed.insert(entry.page)
            if truncated { return }
        }
    }
}

/// A set of page numbers below `count`, one bit each.
struct PageSet {
    let count: Int
    private var words: [UInt64]

    init(count: Int) {
        self.count = max(count, 0)
        words = [UInt64](repeating: 0, count: (self.count + 63) / 64)
    }

    func contains(_ page: Int) -> Bool {
        guard page >= 0, page < count else { return false }
        return words[page >> 6] & (1 << UInt64(page & 63)) != 0
    }

    mutating func insert(_ page: Int) {
        guard page >= 0, page < count else { return }
        words[page >> 6] |= 1 << UInt64(page & 63)
    }

    mutating func insert(_ pages: ClosedRange<Int>) {
        for page in pages { insert(page) }
    }

    func firstMember(in pages: ClosedRange<Int>) -> Int? {
        pages.first { contains($0) }
    }
}
