import PoUWCore
import PoUWStore
import Testing

@Suite("Store collections")
struct CollectionTests {
    @Test("block log: contiguous appends, lookups, truncation for reorgs")
    func blockLog() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let hashes = (0..<300).map { Hash256.sha256([UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)]) }
            try store.write { batch throws in
                for (height, hash) in hashes.enumerated() { try batch.appendBlock(height: UInt64(height), hash: hash) }
            }
            try store.read { view throws in
                #expect(try view.tipHeight() == 299)
                #expect(try view.blockHash(at: 256) == hashes[256])
                #expect(try view.blockHash(at: 300) == nil)
            }
            let error = #expect(throws: StoreError.self) {
                try store.write { try $0.appendBlock(height: 302, hash: .zero) }
            }
            #expect(error?.code == .invalidArgument)
            let removed = try store.write { try $0.truncateBlocks(from: 250) }
            #expect(removed == 50)
            #expect(try store.read { try $0.tipHeight() } == 249)
            try store.write { try $0.appendBlock(height: 250, hash: .zero) }
            #expect(try store.read { try $0.blockHash(at: 250) } == .zero)
        }
    }

    @Test("history per task is ordered and counted; tasks do not mix")
    func history() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let a = Hash256.sha256(Array("task a".utf8))
            let b = Hash256.sha256(Array("task b".utf8))
            var expectedA: [Hash256] = []
            try store.write { batch throws in
                for i in 0..<500 {
                    let message = try batch.put(.message, Array("message \(i)".utf8))
                    if i % 3 == 0 {
                        #expect(try batch.appendHistory(task: b, messageHash: message) == UInt64(i / 3))
                    } else {
                        #expect(try batch.appendHistory(task: a, messageHash: message) == UInt64(expectedA.count))
                        expectedA.append(message)
                    }
                }
            }
            let next = try store.write { try $0.appendHistory(task: a, messageHash: .zero) }
            #expect(next == UInt64(expectedA.count))
            try store.read { view throws in
                #expect(try view.historyCount(task: a) == UInt64(expectedA.count + 1))
                #expect(try view.historyCount(task: b) == 167)
                #expect(try view.history(task: a, range: 0..<UInt64(expectedA.count)) == expectedA)
                #expect(try view.history(task: a, range: 10..<20) == Array(expectedA[10..<20]))
                #expect(try view.historyCount(task: .zero) == 0)
            }
        }
    }

    @Test("checkpoints, dataset batches, tx index, block records, state and undo")
    func indexes() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            let task = Hash256.sha256([1])
            let root = Hash256.sha256([2])
            let miner: [UInt8] = [0x02, 0xAA, 0xBB]
            try store.write { batch throws in
                for iteration in [0, 10, 20] as [UInt64] {
                    let object = try batch.put(.checkpoint, [UInt8](repeating: UInt8(iteration), count: 64))
                    try batch.putCheckpoint(task: task, miner: miner, iteration: iteration, object: object)
                }
                try batch.putCheckpoint(task: task, miner: [0x03], iteration: 99, object: .zero)
                let data = try batch.put(.batch, [9, 9, 9])
                try batch.putDatasetBatch(root: root, index: 7, object: data)
                try batch.indexTransaction(Hash256.sha256([3]), at: TransactionLocation(block: root, position: 70_000))
                try batch.putBlockRecord(root, [1, 2, 3])
                try batch.putState(Array("balance/a".utf8), [5])
                try batch.putState(Array("balance/b".utf8), [6])
                try batch.putState(Array("other".utf8), [7])
                for height in 0..<5 as Range<UInt64> { try batch.putUndo(height: height, [UInt8(height)]) }
            }
            try store.read { view throws in
                #expect(try view.checkpoint(task: task, miner: miner, iteration: 10) != nil)
                #expect(try view.checkpoint(task: task, miner: miner, iteration: 11) == nil)
                #expect(try view.latestCheckpoint(task: task, miner: miner, atOrBefore: 15)?.iteration == 10)
                #expect(try view.latestCheckpoint(task: task, miner: miner)?.iteration == 20)
                #expect(try view.latestCheckpoint(task: task, miner: [0x01]) == nil)
                #expect(try view.datasetBatch(root: root, index: 7) == Hash256.sha256([9, 9, 9]))
                #expect(
                    try view.transactionLocation(Hash256.sha256([3]))
                        == TransactionLocation(block: root, position: 70_000)
                )
                #expect(try view.blockRecord(root) == [1, 2, 3])
                var balances: [[UInt8]] = []
                try view.forEachState(prefix: Array("balance/".utf8)) { _, value in
                    balances.append(value)
                    return true
                }
                #expect(balances == [[5], [6]])
                #expect(try view.undo(height: 3) == [3])
            }
            try store.write { batch throws in
                #expect(try batch.deleteState(Array("other".utf8)))
                #expect(try batch.deleteUndo(from: 2) == 3)
            }
            try store.read { view throws in
                #expect(try view.state(Array("other".utf8)) == nil)
                #expect(try view.undo(height: 1) == [1])
                #expect(try view.undo(height: 2) == nil)
            }
        }
    }

    @Test("stats count objects per kind and collections")
    func statistics() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            for (kind, bytes) in sampleObjects() { try store.put(kind, bytes) }
            let stats = try store.statistics()
            #expect(stats.kinds.first { $0.kind == "blob" }?.count == 3)
            #expect(stats.kinds.first { $0.kind == "checkpoint" }.map { $0.ratio > 1 } == true)
            #expect(indexEntries(stats) == sampleObjects().count)
            #expect(stats.collections.first { $0.name == "values" }?.entries == sampleObjects().count)
            #expect(stats.objects == sampleObjects().count && stats.objectsUnmerged == sampleObjects().count)
            #expect(stats.usedBytes > 0 && stats.usedBytes <= stats.mapSize)
        }
    }
}

@Suite("Verify")
struct VerifyTests {
    @Test("verify reports progress and resumes after a key; index entries pointing nowhere are named")
    func resumeAndIndexes() throws {
        try withTemporaryDirectory { dir in
            let store = try Store.open(at: dir)
            var hashes: [Hash256] = []
            try store.write { batch throws in
                for i in 0..<1200 { hashes.append(try batch.put(.blob, Array("object \(i)".utf8))) }
                try batch.putDatasetBatch(root: .zero, index: 0, object: Hash256.sha256([0xEE]))
                try batch.appendBlock(height: 0, hash: hashes[0])
            }
            var updates: [VerifyProgress] = []
            let full = try store.verify { updates.append($0) }
            #expect(full.objectsChecked == 1200)
            #expect(full.problems.count == 1)
            #expect(full.problems.first?.collection == "datasets")
            #expect(full.problems.first?.code == "missingObject")
            let objectUpdates = updates.filter { $0.phase == "objects" }
            #expect(objectUpdates.count >= 3 && objectUpdates.last?.done == 1200)
            let sorted = hashes.sorted()
            let resumed = try store.verify(resumeAfter: sorted[999])
            #expect(resumed.objectsChecked == 200)
            #expect(resumed.resumedAfter == sorted[999].hex)
        }
    }
}
