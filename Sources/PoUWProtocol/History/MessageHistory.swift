public import PoUWCore

/// An append-only log of message hashes with RFC 6962 roots, inclusion proofs and consistency proofs: a
/// supervisor's record of a task in arrival order (`HistoryRecorder.history`, not consensus), or one miner's log
/// in sequence order inside a `CanonicalHistory` (what block headers commit to).
///
/// Leaf `i` is `MerkleTree.leafHash(hash_i.bytes)` (so a leaf is `SHA-256(0x00 ‖ messageHash)`). Guarantees: `root`
/// equals `MerkleTree(leafHashes:).root` over the same leaves and is kept incrementally (O(log n) per append); a
/// message hash appears at most once; proofs verify with `MerkleInclusionProof.verify` /
/// `MerkleConsistencyProof.verify`; `root(size:)` and `size(ofRoot:)` answer in O(1) from the root of every
/// prefix, kept as the history grows (one root per append, O(log n)).
public struct MessageHistory: Sendable {
    public let taskID: Hash256
    /// The message hashes in order.
    public private(set) var messages: [Hash256] = []
    /// `leafHash` of each message, kept for proofs.
    private var leaves: [Hash256] = []
    private var positions: [Hash256: Int] = [:]
    /// Roots of the perfect subtrees that make up the tree, largest (leftmost) first, with their sizes.
    private var frontier: [(root: Hash256, size: Int)] = []
    /// `prefixRoots[s]` is the root of the first `s` messages (`prefixRoots[0]` is the empty root).
    private var prefixRoots: [Hash256] = [MerkleTree.emptyRoot]
    /// The smallest size whose prefix has a given root.
    private var sizesByRoot: [Hash256: Int] = [MerkleTree.emptyRoot: 0]

    public init(taskID: Hash256) { self.taskID = taskID }

    /// An empty history extended by `messages`, in order; throws on a repeated hash.
    public init(taskID: Hash256, messages: [Hash256]) throws(HistoryError) {
        self.init(taskID: taskID)
        for message in messages { try append(message) }
    }

    /// Number of messages.
    public var count: Int { messages.count }

    /// The RFC 6962 root of the whole history.
    public var root: Hash256 { prefixRoots[prefixRoots.count - 1] }

    /// The root of the whole tree from the frontier of perfect subtrees.
    private var frontierRoot: Hash256 {
        guard var r = frontier.last?.root else { return MerkleTree.emptyRoot }
        for part in frontier.dropLast().reversed() { r = MerkleTree.nodeHash(part.root, r) }
        return r
    }

    /// The leaf hash of a message hash.
    public static func leafHash(_ messageHash: Hash256) -> Hash256 { MerkleTree.leafHash(messageHash.bytes) }

    /// Appends a message hash; returns its index. Throws `.alreadyRecorded` if it is already in the history.
    @discardableResult
    public mutating func append(_ messageHash: Hash256) throws(HistoryError) -> Int {
        if let index = positions[messageHash] { throw .alreadyRecorded(messageHash, index: index) }
        let index = messages.count
        let leaf = Self.leafHash(messageHash)
        messages.append(messageHash)
        leaves.append(leaf)
        positions[messageHash] = index
        frontier.append((leaf, 1))
        while frontier.count >= 2, frontier[frontier.count - 1].size == frontier[frontier.count - 2].size {
            let right = frontier.removeLast()
            let left = frontier.removeLast()
            frontier.append((MerkleTree.nodeHash(left.root, right.root), left.size * 2))
        }
        let newRoot = frontierRoot
        prefixRoots.append(newRoot)
        if sizesByRoot[newRoot] == nil { sizesByRoot[newRoot] = index + 1 }
        return index
    }

    /// Index of a message, if recorded.
    public func index(of messageHash: Hash256) -> Int? { positions[messageHash] }

    /// True if the message is recorded.
    public func contains(_ messageHash: Hash256) -> Bool { positions[messageHash] != nil }

    /// The root the history had when it held its first `size` messages.
    public func root(size: Int) throws(HistoryError) -> Hash256 {
        guard size >= 0, size <= count else { throw .sizeOutOfRange(size: size, count: count) }
        return prefixRoots[size]
    }

    /// The smallest size whose prefix of the history has `root` (0 for the empty root), or `nil` if no prefix has.
    public func size(ofRoot root: Hash256) -> Int? { sizesByRoot[root] }

    /// Proof that `messageHash` is in the history of the first `size` messages (default: all).
    public func inclusionProof(of messageHash: Hash256, size: Int? = nil) throws(HistoryError) -> MerkleInclusionProof {
        let size = size ?? count
        guard let index = positions[messageHash] else { throw .notRecorded(messageHash) }
        guard size >= 0, size <= count else { throw .sizeOutOfRange(size: size, count: count) }
        guard index < size else { throw .notRecorded(messageHash) }
        let prefix = MerkleTree(leafHashes: Array(leaves[..<size]))
        do { return try prefix.inclusionProof(index: index) } catch { throw .notRecorded(messageHash) }
    }

    /// Proof that the history of `newSize` messages (default: all) extends the history of `oldSize`.
    public func consistencyProof(
        from oldSize: Int,
        to newSize: Int? = nil
    ) throws(HistoryError)
        -> MerkleConsistencyProof
    {
        let newSize = newSize ?? count
        guard newSize >= 0, newSize <= count else { throw .sizeOutOfRange(size: newSize, count: count) }
        guard oldSize >= 0, oldSize <= newSize else { throw .sizeOutOfRange(size: oldSize, count: newSize) }
        let prefix = MerkleTree(leafHashes: Array(leaves[..<newSize]))
        do { return try prefix.consistencyProof(from: oldSize) } catch {
            throw .sizeOutOfRange(size: oldSize, count: newSize)
        }
    }

    /// Whether `proof` shows `messageHash` inside the history whose root is `root`.
    public static func verifyInclusion(messageHash: Hash256, proof: MerkleInclusionProof, root: Hash256) -> Bool {
        proof.verify(leafHash: leafHash(messageHash), root: root)
    }
}

/// Why a history operation failed.
public enum HistoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyRecorded(Hash256, index: Int)
    case notRecorded(Hash256)
    case sizeOutOfRange(size: Int, count: Int)

    public var description: String {
        switch self {
        case .alreadyRecorded(let hash, let index): "message \(hash.short) is already recorded at index \(index)"
        case .notRecorded(let hash): "message \(hash.short) is not in the history"
        case .sizeOutOfRange(let size, let count): "history size \(size) is outside 0…\(count)"
        }
    }
}
