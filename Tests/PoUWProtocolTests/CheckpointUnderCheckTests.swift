import Foundation
import PoUWCore
import PoUWML
import PoUWProtocol
import Testing

@testable import PoUWStore

/// A replay that trains on a stored checkpoint while the store's hash check of it still runs
/// (`ArtefactSource.bytesUnderCheck`) gives the verdicts a replay that checked first gives: valid states are
/// valid, and a checkpoint whose stored bytes are not the state it is named after is the store's named
/// `corruptValue` error, whatever the replay of those bytes found, with nothing kept.
@Suite(.serialized) struct CheckpointUnderCheckTests {
    /// The world's messages, batches and the states before every message in a fresh store; `substitute` maps a
    /// state hash to another state whose stored value is written under it instead.
    static func store(
        _ world: DigitsWorld,
        at directory: URL,
        substitute: [Hash256: Hash256] = [:]
    ) throws -> ProtocolStore {
        let store = ProtocolStore(store: try Store.open(at: directory.path))
        for batch in world.batches { try store.store.put(.batch, batch.canonicalBytes) }
        let messages = world.chains.flatMap { $0 }
        for message in messages { try store.put(message) }
        for hash in Set(messages.map(\.body.stateHashBefore)) where substitute[hash] == nil {
            try store.store.put(.checkpoint, try #require(world.artefacts.bytes(for: hash)))
        }
        for (name, actual) in substitute {
            let bytes = try #require(world.artefacts.bytes(for: actual))
            let key = try store.store.put(.checkpoint, bytes)
            let value = try #require(try store.store.read { try $0.storedValue(key) })
            try store.store.write { batch in
                try batch.putEncoded(hash: name, kind: .checkpoint, rawCount: bytes.count, value: value)
            }
        }
        return store
    }

    @Test func aReplayOnACheckpointUnderCheckGivesTheCheckedVerdicts() throws {
        let world = try DigitsWorld()
        for round in 0..<3 {
            try world.iterate(0, batchIndex: 2 * round)
            try world.iterate(1, batchIndex: 2 * round + 1)
        }
        let directory = try ProtocolStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Self.store(world, at: directory)
        let replay = IterationReplay(task: world.task, artefacts: store)
        for message in world.chains.flatMap({ $0 }) {
            let fetched = try #require(try store.bytesUnderCheck(for: message.body.stateHashBefore))
            #expect(fetched.bytes == (try store.bytes(for: message.body.stateHashBefore)))
            try fetched.verified()
            #expect(IterationReplay(task: world.task, artefacts: store).verify(message) == .valid)
        }
        for chain in world.chains {
            let (verified, verdict) = replay.audit(chain: chain)
            #expect(verdict == .valid && verified == chain.count)
        }
        #expect(try store.bytesUnderCheck(for: Samples.h("absent")) == nil)
        // The default for any source: bytes already checked.
        let memory = try #require(try world.artefacts.bytesUnderCheck(for: world.chains[0][1].body.stateHashBefore))
        try memory.verified()
        #expect(memory.bytes == world.artefacts.bytes(for: world.chains[0][1].body.stateHashBefore))
    }

    @Test func aCheckpointHoldingAnotherStateIsTheStoresCorruptValue() throws {
        let world = try DigitsWorld()
        for round in 0..<3 {
            try world.iterate(0, batchIndex: 2 * round)
            try world.iterate(1, batchIndex: 2 * round + 1)
        }
        let target = world.chains[0][2]
        // Another state of the same model: it decodes and trains, only its hash gives it away.
        let other = world.chains[1][2].body.stateHashBefore
        let directory = try ProtocolStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Self.store(world, at: directory, substitute: [target.body.stateHashBefore: other])
        let plain = #expect(throws: StoreError.self) { try store.store.get(target.body.stateHashBefore) }
        #expect(plain?.code == .corruptValue)
        let expected = Verdict.invalid(Mismatch(field: "artefact", claimed: "readable", found: "\(plain!)"))
        let replay = IterationReplay(task: world.task, artefacts: store)
        #expect(replay.verify(target) == expected)
        #expect(replay.verify(messageHash: target.hash) == expected)
        #expect(replay.states.count == 0)
        let (verified, verdict) = replay.audit(chain: Array(world.chains[0][2...]))
        #expect(verified == 0 && verdict == expected)
        // The messages before it still replay from their own checkpoints.
        #expect(replay.verify(world.chains[0][1]) == .valid)
    }
}
