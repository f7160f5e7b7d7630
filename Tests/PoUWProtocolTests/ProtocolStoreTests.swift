import Foundation
import PoUWCore
import PoUWCrypto
import PoUWProtocol
import PoUWStore
import Testing

@Suite struct ProtocolStoreTests {
    /// A fresh directory under the system temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pouw-protocol-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aMessageIsStoredWithItsUpdateWordsDeltaCoded() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = ProtocolStore(store: try Store.open(at: directory.path))
        // The range names exactly the update's words, whatever the peer list's length.
        let words: [UInt32] = (0..<70).map { $0 * 37 } + (0..<30).map { 0x8000_0000 | (3_000 + $0 * 91) }
        let update = try SparseUpdateWords(words: words)
        for peers in [[], [Samples.h("a")], (0..<200).map { Samples.h("peer \($0)") }] {
            let message = try Samples.body(sequence: 1, previous: Samples.h("p"), update: update, peers: peers)
                .signed(with: Samples.signer(7))
            let range = message.updateWordsRange
            let expected = words.flatMap { word in withUnsafeBytes(of: word.littleEndian) { Array($0) } }
            #expect(Array(message.canonicalBytes[range]) == expected)
            // Recorded: stored with the sparse-section codec, read back as it was.
            try store.record(message)
            #expect(try store.store.read { try $0.header(of: message.hash) }?.codec == .sparseSectionZstd)
            #expect(try store.message(message.hash) == message)
        }
        let empty = try Samples.body(sequence: 0, update: .empty).signed(with: Samples.signer(7))
        #expect(empty.updateWordsRange.isEmpty)
        try store.put(empty)  // too few words for the section: the kind's usual codec
        #expect(try store.store.read { try $0.header(of: empty.hash) }?.codec != .sparseSectionZstd)
        #expect(try store.message(empty.hash) == empty)
    }

    @Test func aHistoryReadAgainIncludesWhatWasAppendedSince() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = ProtocolStore(store: try Store.open(at: directory.path))
        let hashes = (0..<30).map { Samples.h("entry \($0)") }
        func append(_ range: Range<Int>) throws {
            try store.store.write { batch in
                for hash in hashes[range] { try batch.appendHistory(task: Samples.task, messageHash: hash) }
            }
        }
        try append(0..<10)
        #expect(try store.recordedHistory(task: Samples.task).messages == Array(hashes[..<10]))
        try append(10..<30)
        let extended = try store.recordedHistory(task: Samples.task)
        let fresh = try ProtocolStore(store: store.store).recordedHistory(task: Samples.task)
        #expect(extended.messages == hashes)
        #expect(extended.root == fresh.root)
        #expect(extended.root == (try MessageHistory(taskID: Samples.task, messages: hashes)).root)
        #expect(try store.recordedHistory(task: Samples.h("other task")).count == 0)
    }

    @Test func messagesHistoriesAndCheckpointsSurviveAReopen() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var group = TaskGroup()
        var recorder = HistoryRecorder(rules: group.rules)
        let supervisor = Samples.signer(40)
        var recorded: [IterationMessage] = []
        do {
            let store = ProtocolStore(store: try Store.open(at: directory.path))
            var last: [IterationMessage] = []
            for _ in 0..<4 {
                var round: [IterationMessage] = []
                for m in 0..<3 {
                    let message = group.advance(m, peers: last.filter { $0.body.minerKey != group.keys[m] })
                    let index = try recorder.accept(message)
                    #expect(try store.record(message) == UInt64(index))
                    round.append(message)
                    recorded.append(message)
                }
                last = round
            }
            try store.put(
                HistoryCheckpoint(
                    log: recorder.canonical.log(of: group.keys[1]),
                    miner: group.keys[1],
                    time: 9_000,
                    key: supervisor
                )
            )
            let state = Array("a model state".utf8)
            #expect(
                try store.putModelState(state, task: Samples.task, miner: group.keys[0], sequence: 2)
                    == Hash256.sha256(state)
            )
            let batchBytes = Array("batch bytes".utf8)
            #expect(
                try store.putBatch(batchBytes, datasetRoot: Samples.h("root"), index: 7) == Hash256.sha256(batchBytes)
            )
        }
        let store = ProtocolStore(store: try Store.open(at: directory.path))
        let history = try store.recordedHistory(task: Samples.task)
        let canonical = try #require(try store.canonicalHistory(task: Samples.task))
        #expect(canonical.count == recorded.count)
        for message in recorded {
            #expect(canonical.root(of: message.hash) == recorder.canonical.root(of: message.hash))
        }
        #expect(try store.canonicalHistory(task: Samples.h("no such task")) == nil)
        #expect(history.messages == recorded.map(\.hash))
        #expect(history.root == recorder.history.root)
        for message in recorded { #expect(try store.message(message.hash) == message) }
        #expect(try store.message(Samples.h("absent")) == nil)

        let restored = try HistoryRecorder(rules: group.rules, restoringFrom: store)
        #expect(restored.history.root == recorder.history.root)
        #expect(restored.tips == recorder.tips)
        // The restored recorder continues: the next honest message is accepted, a replay still refused.
        var restoredRecorder = restored
        try restoredRecorder.accept(group.advance(0))
        #expect(throws: ArrivalError.duplicate(recorded[0].hash)) { try restoredRecorder.accept(recorded[0]) }

        let checkpoint = try #require(
            try store.latestHistoryCheckpoint(
                task: Samples.task,
                supervisor: NodeKey(supervisor.publicKey),
                miner: group.keys[1]
            )
        )
        #expect(checkpoint.hasValidSignature && checkpoint.size == 4 && checkpoint.matches(canonical) == true)
        #expect(
            try store.latestHistoryCheckpoint(task: Samples.task, supervisor: Samples.key(41), miner: group.keys[1])
                == nil
        )
        #expect(
            try store.latestHistoryCheckpoint(
                task: Samples.task,
                supervisor: NodeKey(supervisor.publicKey),
                miner: group.keys[0]
            ) == nil
        )
        let model = try #require(try store.latestModelState(task: Samples.task, miner: group.keys[0], atOrBefore: 3))
        #expect(model.sequence == 2 && model.stateHash == Hash256.sha256(Array("a model state".utf8)))
        #expect(try store.latestModelState(task: Samples.task, miner: group.keys[0], atOrBefore: 1) == nil)
        // History checkpoints and model states do not mix in the shared index.
        #expect(try store.latestModelState(task: Samples.task, miner: NodeKey(supervisor.publicKey)) == nil)
        #expect(
            try store.batchHash(datasetRoot: Samples.h("root"), index: 7) == Hash256.sha256(Array("batch bytes".utf8))
        )
        #expect(try store.bytes(for: Samples.h("absent")) == nil)
    }
}
