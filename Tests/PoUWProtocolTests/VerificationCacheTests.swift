import Foundation
import PoUWCore
import PoUWCrypto
import PoUWML
import PoUWStore
import Testing

@testable import PoUWProtocol

/// The speed-ups of verification keep its answers: decoded messages, remembered signatures and verified states
/// give exactly what reading, decoding and checking again would.
@Suite(.serialized) struct VerificationCacheTests {
    @Test func aVerifiedStateIsReusedAndOnlyAValidReplayKeepsOne() throws {
        let world = try DigitsWorld()
        for round in 0..<3 {
            try world.iterate(0, batchIndex: 2 * round)
            try world.iterate(1, batchIndex: 2 * round + 1)
        }
        let (first, second) = (world.chains[0][1], world.chains[0][2])
        let forged = try IterationReplayTests.forge(world, 0, second) { $0.loss += 1 }
        let (replay, other) = (world.replay, world.replay)
        #expect(replay.verify(first) == .valid && other.verify(first) == .valid)
        #expect(replay.states.count == 1)
        // Without any checkpoint of miner 0's chain a fresh replay cannot check message 2; these can, from the
        // state after message 1 they computed, and give the verdicts the checkpoint would give.
        for message in world.chains[0] { world.artefacts.remove(message.body.stateHashBefore) }
        #expect(world.replay.verify(second) == .unavailable(.modelState(second.body.stateHashBefore)))
        #expect(replay.verify(second) == .valid)
        #expect(replay.states.state(second.body.stateHashAfter) != nil)
        guard case .invalid(let mismatch) = other.verify(forged) else {
            Issue.record("forged loss not caught from the kept state")
            return
        }
        #expect(mismatch.field == "loss")
        // The failed replay consumed the state it started from and kept nothing.
        #expect(other.states.count == 0)
        #expect(other.verify(second) == .unavailable(.modelState(second.body.stateHashBefore)))
    }

    @Test func theStateCacheForgetsTheLeastRecentlyUsed() throws {
        let world = try DigitsWorld()
        let states = (0..<3).map { seed in
            Trainer(task: world.task, seed: UInt64(seed), mode: .pouw(tau: world.task.effectiveTau)).state
        }
        let hashes = states.map(\.stateHash)
        let cache = ReplayStateCache(capacity: 2)
        cache.insert(states[0], hash: hashes[0])
        cache.insert(states[1], hash: hashes[1])
        #expect(cache.state(hashes[0]) == states[0])  // now the most recently used
        cache.insert(states[2], hash: hashes[2])
        #expect(cache.count == 2)
        #expect(cache.state(hashes[1]) == nil)
        #expect(cache.take(hashes[0]) == states[0])
        #expect(cache.state(hashes[0]) == nil)
        #expect(cache.state(hashes[2]) == states[2])
        let none = ReplayStateCache(capacity: 0)
        none.insert(states[0], hash: hashes[0])
        #expect(none.count == 0)
    }

    @Test func storedMessagesDecodeOnceAndGiveWhatTheBytesGive() throws {
        let directory = try ProtocolStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let raw = try Store.open(at: directory.path)
        let store = ProtocolStore(store: raw)
        let honest = Samples.message(sequence: 0)
        try store.record(honest)
        var body = honest.body
        body.loss += 1
        // Content changed after signing: the signature no longer verifies.
        let forged = IterationMessage(body: body, signature: honest.signature)
        try store.put(forged)
        let garbage = try raw.put(.message, Array("not a message".utf8))
        for source in [store, ProtocolStore(store: raw), ProtocolStore(store: raw, messageCacheBytes: 0)] {
            for _ in 0..<2 {
                let read = try #require(try source.iterationMessage(for: honest.hash))
                #expect(read.canonicalBytes == honest.canonicalBytes && read.hash == honest.hash)
                #expect(try source.message(honest.hash) == honest)
                #expect(source.signatureIsValid(honest))
                #expect(!source.signatureIsValid(forged))
                #expect(try source.iterationMessage(for: forged.hash)?.hash == forged.hash)
                #expect(try source.iterationMessage(for: Samples.h("absent")) == nil)
                #expect(throws: UndecodableArtefact.self) { try source.iterationMessage(for: garbage) }
                #expect(throws: CanonicalDecodingError.self) { try source.message(garbage) }
            }
        }
        // The default implementation (any source) agrees.
        let memory = MemoryArtefacts()
        memory.put(honest)
        #expect(try memory.iterationMessage(for: honest.hash) == honest)
        #expect(memory.signatureIsValid(honest) && !memory.signatureIsValid(forged))
    }

    @Test func aSignatureTheCallerCheckedIsRemembered() throws {
        let directory = try ProtocolStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = ProtocolStore(store: try Store.open(at: directory.path))
        let honest = Samples.message(sequence: 0)
        var body = honest.body
        body.loss += 1
        let forged = IterationMessage(body: body, signature: honest.signature)
        // Stored without the caller's word: the store checks the signature itself.
        try store.put(forged)
        #expect(!store.signatureIsValid(forged))
        // A caller that says it checked (a recorder, a miner signing its own message) is taken at its word, so
        // the mark is what `signatureIsValid` answers from; a later put without the word does not clear it.
        try store.record(honest, signatureVerified: true)
        let other = ProtocolStore(store: try Store.open(at: directory.path + "-other"))
        defer { try? FileManager.default.removeItem(atPath: directory.path + "-other") }
        try other.put(forged, signatureVerified: true)
        try other.put(forged)
        #expect(
            other.signatureIsValid(forged),
            "the caller's word is remembered, so only a caller that checked may give it"
        )
        #expect(store.signatureIsValid(honest))
        #expect(try store.recordedHistory(task: honest.body.taskID).count == 1)
    }

    @Test func updateWordOrderIsCheckedAsTheDefinitionSays() {
        // Reference: strictly increasing words, and no index in both the +τ and the −τ half.
        func reference(_ words: [UInt32]) -> Int? {
            for i in words.indices.dropFirst() where words[i] <= words[i - 1] { return i }
            var positive = Set<UInt32>()
            for (i, word) in words.enumerated() {
                if word & SparseUpdateWords.signBit == 0 {
                    positive.insert(word)
                } else if positive.contains(word & SparseUpdateWords.indexMask) {
                    return i
                }
            }
            return nil
        }
        var random = SeededGenerator(seed: 5)
        for trial in 0..<400 {
            let range = UInt32(8 + trial % 64)
            var positive = Set<UInt32>()
            var negative = Set<UInt32>()
            for _ in 0..<Int(random.next() % 24) {
                if random.next() % 2 == 0 {
                    positive.insert(UInt32(random.next() % UInt64(range)))
                } else {
                    negative.insert(UInt32(random.next() % UInt64(range)))
                }
            }
            if trial % 3 == 0 { negative.subtract(positive) }
            var words = positive.sorted() + negative.sorted().map { $0 | SparseUpdateWords.signBit }
            if trial % 5 == 0 && words.count > 2 { words.swapAt(1, words.count - 1) }
            if trial % 7 == 0 && !words.isEmpty { words.insert(words[words.count / 2], at: words.count / 2) }
            let expected = reference(words)
            do {
                _ = try SparseUpdateWords(words: words)
                #expect(expected == nil, "accepted \(words)")
            } catch {
                #expect(error == .updateNotCanonical(position: expected ?? -1), "\(words)")
            }
        }
        // Long updates (the check walks the negative half in 4 lanes): none, one or a few repeats anywhere.
        for trial in 0..<300 {
            let range = UInt64(50 + trial * 37)
            var positive = Set<UInt32>()
            var negative = Set<UInt32>()
            for _ in 0..<Int(random.next() % 3000) {
                let index = UInt32(random.next() % range)
                if random.next() % 3 == 0 { positive.insert(index) } else { negative.insert(index) }
            }
            negative.subtract(positive)
            for _ in 0..<(trial % 4) where !positive.isEmpty {
                negative.insert(positive.randomElement(using: &random)!)
            }
            let words = positive.sorted() + negative.sorted().map { $0 | SparseUpdateWords.signBit }
            let expected = reference(words)
            do {
                _ = try SparseUpdateWords(words: words)
                #expect(expected == nil, "accepted \(words.count) words with a repeat")
            } catch {
                #expect(error == .updateNotCanonical(position: expected ?? -1), "\(words.count) words")
            }
        }
    }
}
