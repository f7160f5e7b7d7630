import Dispatch
import PoUWCore
import Synchronization

/// The read-ahead stage of a reindex: a background thread loads, decodes and runs the stateless checks
/// (`BlockChecks`) of batches of consecutive main-chain blocks, up to `ahead` batches in front of the caller,
/// which connects blocks in order as the batches arrive. The stages never wait for each other except when one
/// is `ahead` batches in front (or the caller has nothing to connect yet).
///
/// Within a batch, blocks are loaded and decoded in parallel, then the transactions of all of them are checked
/// by `threads` workers that take small chunks from a shared counter, so every core stays busy until the batch
/// ends however the transactions are spread over blocks. Signature checks need no ledger, which is why they can
/// run ahead of the connecting stage.
///
/// Guarantees: each block's result is exactly what `BlockChecks.check` would give on the stored block and bytes
/// (same phases, same order of failures; only where and when they run differs), so a reindex reports the same
/// findings whatever `threads`, the batch size and `ahead` are. Read-only on the source. After `stop()` returns,
/// no background work is left running.
final class ReindexReadAhead: Sendable {
    /// One block as loaded: its id, the decoded block, its stored bytes and its stateless check result.
    typealias Loaded = (id: Hash256, block: Block, bytes: [UInt8], checked: Result<[Hash256], ValidationError>)

    /// Blocks per batch after the first (which has `firstBatch` blocks, so that connecting starts early).
    static let batchBlocks: UInt64 = 16
    static let firstBatch: UInt64 = 2

    private let produced = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private let finished = DispatchSemaphore(value: 0)
    private let batches = Mutex<[[Result<Loaded, ChainError>]]>([])
    private let stopping = Atomic<Bool>(false)

    /// Starts reading heights `1..<count` of `source` in the background.
    init(source: any ChainStorage, count: UInt64, parameters: ChainParameters, threads: Int, ahead: Int = 2) {
        // Created at 0 and raised to `ahead`: libdispatch traps when a semaphore is freed below its initial value,
        // which a stop part-way through the chain would otherwise leave behind.
        free = DispatchSemaphore(value: 0)
        for _ in 0..<max(1, ahead) { free.signal() }
        DispatchQueue.global().async { [self] in
            var first: UInt64 = 1
            while first < count {
                free.wait()
                if stopping.load(ordering: .acquiring) { break }
                let heights = first..<min(count, first + (first == 1 ? Self.firstBatch : Self.batchBlocks))
                let batch = Self.run(
                    source: source,
                    heights: heights,
                    parameters: parameters,
                    threads: max(1, threads),
                    stopping: stopping
                )
                batches.withLock { $0.append(batch) }
                produced.signal()
                first = heights.upperBound
            }
            finished.signal()
        }
    }

    /// The next batch, in height order (one result per height); blocks until it is ready. Call only while
    /// heights remain.
    func next() -> [Result<Loaded, ChainError>] {
        produced.wait()
        let batch = batches.withLock { $0.removeFirst() }
        free.signal()
        return batch
    }

    /// Stops the background work (a batch in progress is abandoned at its next chunk) and waits for it to end.
    func stop() {
        stopping.store(true, ordering: .releasing)
        free.signal()
        finished.wait()
    }

    private struct Decoded: Sendable {
        var id: Hash256
        var block: Block
        var bytes: [UInt8]
        var ranges: [Range<Int>]
    }

    private static func run(
        source: any ChainStorage,
        heights: Range<UInt64>,
        parameters: ChainParameters,
        threads: Int,
        stopping: borrowing Atomic<Bool>
    ) -> [Result<Loaded, ChainError>] {
        let count = heights.count
        // Load and decode every block of the batch in parallel.
        let decodedSlots = Mutex<[Result<Decoded, ChainError>?]>(Array(repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let height = heights.lowerBound + UInt64(i)
            let r = Result { () throws(ChainError) -> Decoded in try load(source: source, height: height) }
            decodedSlots.withLock { $0[i] = r }
        }
        let decoded = decodedSlots.withLock { $0 }.map { $0 ?? .failure(.storage("block load produced nothing")) }

        // Structure first; the transactions of blocks that pass it become work items.
        var structure: [ValidationError?] = []
        var work: [(slot: Int, index: Int)] = []
        for (slot, d) in decoded.enumerated() {
            guard case .success(let b) = d else {
                structure.append(nil)
                continue
            }
            do throws(ValidationError) {
                try BlockChecks.checkStructure(b.block, encodedSize: b.bytes.count, parameters: parameters)
                structure.append(nil)
                work += b.block.transactions.indices.map { (slot, $0) }
            } catch {
                structure.append(error)
            }
        }

        // Every transaction of the batch, in chunks taken by whichever worker is free.
        let items = work
        let blocks = decoded.map { try? $0.get() }
        let next = Atomic<Int>(0)
        let checks = Mutex<[[BlockChecks.TransactionCheck?]]>(
            blocks.map { Array(repeating: nil, count: $0?.block.transactions.count ?? 0) }
        )
        DispatchQueue.concurrentPerform(iterations: min(threads, max(1, items.count))) { _ in
            var keys = PublicKeyCache()
            var local: [(slot: Int, index: Int, check: BlockChecks.TransactionCheck)] = []
            while true {
                let start = next.add(BlockChecks.chunk, ordering: .relaxed).oldValue
                if start >= items.count || stopping.load(ordering: .relaxed) { break }
                for (slot, index) in items[start..<min(items.count, start + BlockChecks.chunk)] {
                    guard let b = blocks[slot] else { continue }
                    let check = BlockChecks.checkTransaction(
                        b.block.transactions[index],
                        encoded: b.bytes[b.ranges[index]],
                        parameters: parameters,
                        keys: &keys
                    )
                    local.append((slot, index, check))
                }
            }
            checks.withLock { all in for e in local { all[e.slot][e.index] = e.check } }
        }
        let checked = checks.withLock { $0 }
        // Abandoned half-way (the reindex stopped): nobody reads this batch.
        if stopping.load(ordering: .relaxed) { return decoded.map { _ in .failure(.storage("reindex stopped")) } }

        return decoded.enumerated().map { slot, d in
            d.map { b -> Loaded in
                let result: Result<[Hash256], ValidationError>
                if let error = structure[slot] {
                    result = .failure(error)
                } else {
                    result = Result { () throws(ValidationError) -> [Hash256] in
                        try BlockChecks.conclude(
                            b.block,
                            checked: checked[slot].map { c in
                                guard let c else {
                                    preconditionFailure("every transaction of a well-formed block is checked")
                                }
                                return c
                            }
                        )
                    }
                }
                return (b.id, b.block, b.bytes, result)
            }
        }
    }

    private static func load(source: any ChainStorage, height: UInt64) throws(ChainError) -> Decoded {
        guard let id = try source.mainChainId(atHeight: height),
            let record = try source.blockIndexRecord(id),
            let bytes = try source.object(record.bodyHash)
        else { throw ChainError.notFound("block at height \(height) in the store") }
        do {
            let (block, ranges) = try Block.decodeLocatingTransactions(bytes)
            return Decoded(id: id, block: block, bytes: bytes, ranges: ranges)
        } catch {
            throw .corruptState(key: Hex.encode(id.bytes), reason: "\(error)")
        }
    }
}
