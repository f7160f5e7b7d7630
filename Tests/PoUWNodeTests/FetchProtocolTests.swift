import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWProtocol
import PoUWStore
import Testing

@testable import PoUWNode

/// Fetch by hash over the transport (`getObjects` / `objects`): a node answers only with what it holds, the asker
/// keeps only bytes that re-hash to what it asked, and bounds are enforced on decoding.
@Suite(.serialized) struct FetchProtocolTests {
    /// Two nodes ("a" holds an object, "b" asks) and a raw endpoint ("evil") that answers whatever it likes.
    struct Setup {
        let network: SimulatedNetwork
        let a: Node
        let b: Node
        let evil: SimulatedTransport
        let object: [UInt8]
        let hash: Hash256

        func deliver() {
            while network.inFlight > 0 {
                network.deliverNext()
                a.drainInbox()
                b.drainInbox()
            }
        }

        /// The wire messages waiting for `evil`, decoded.
        func evilInbox() throws -> [WireMessage] {
            var out: [WireMessage] = []
            while let envelope = evil.receive() { out.append(try WireMessage(canonicalBytes: envelope.payload)) }
            return out
        }
    }

    static func setup(_ directory: String) throws -> Setup {
        let network = SimulatedNetwork(seed: 7)
        func node(_ name: String) throws -> Node {
            try Node(
                name: name,
                roles: [.verifier],
                key: LocalNetwork.key(name: name, seed: 7),
                directory: directory + "/" + name,
                transport: network.attach(NodeAddress(name))
            )
        }
        let a = try node("a")
        let b = try node("b")
        let evil = try network.attach(NodeAddress("evil"))
        let object = Array("a batch this node holds".utf8)
        let hash = try a.store.put(.batch, object)
        return Setup(network: network, a: a, b: b, evil: evil, object: object, hash: hash)
    }

    @Test func heldObjectIsAnsweredAndUnknownHashGetsNothing() throws {
        let directory = try NodeTestSupport.temporaryDirectory("fetch-serve")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Self.setup(directory)
        let unknown = Hash256.sha256([1, 2, 3])
        try s.evil.send(WireMessage.getObjects(request: 41, hashes: [s.hash, unknown]).canonicalBytes, to: s.a.address)
        try s.evil.send(WireMessage.getObjects(request: 42, hashes: [unknown]).canonicalBytes, to: s.a.address)
        s.deliver()
        #expect(try s.evilInbox() == [.objects(request: 41, items: [s.object]), .objects(request: 42, items: [])])
        #expect(s.a.fetchStatistics.requestsServed == 2)
        #expect(s.a.fetchStatistics.objectsServed == 1)
    }

    @Test func oversizeRequestIsRefusedUnanswered() throws {
        let directory = try NodeTestSupport.temporaryDirectory("fetch-oversize")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Self.setup(directory)
        let hashes = (0...WireMessage.maxRequestHashes).map { Hash256.sha256([UInt8($0 & 0xff), 9]) }
        let bytes = WireMessage.getObjects(request: 1, hashes: hashes).canonicalBytes
        #expect(throws: CanonicalDecodingError.self) { try WireMessage(canonicalBytes: bytes) }
        try s.evil.send(bytes, to: s.a.address)
        s.deliver()
        #expect(try s.evilInbox().isEmpty)
        #expect(s.a.statistics.messagesRejected == 1)
        #expect(s.a.fetchStatistics.requestsServed == 0)
    }

    @Test func wrongBytesAndUnaskedObjectsAreDroppedAndTheNextPeerIsAsked() throws {
        let directory = try NodeTestSupport.temporaryDirectory("fetch-reject")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Self.setup(directory)
        // Unsolicited: nothing was asked under request 9.
        try s.evil.send(WireMessage.objects(request: 9, items: [s.object]).canonicalBytes, to: s.b.address)
        s.deliver()
        #expect(s.b.fetchStatistics.objectsRejected == 1)
        #expect(try !s.b.store.contains(s.hash))

        // b wants the object and asks "evil" first (the hint), which answers other bytes.
        s.b.want(s.hash, .batch, from: s.evil.address)
        s.b.flushRequests()
        s.deliver()
        let asked = try s.evilInbox()
        guard case .getObjects(let request, let hashes) = try #require(asked.first) else {
            Issue.record("expected a getObjects, got \(asked)")
            return
        }
        #expect(hashes == [s.hash])
        try s.evil.send(
            WireMessage.objects(request: request, items: [Array("forged".utf8)]).canonicalBytes,
            to: s.b.address
        )
        s.deliver()
        // The forged bytes were dropped; the hash was asked at once from the next peer, "a", which answered.
        #expect(s.b.fetchStatistics.objectsRejected == 2)
        #expect(s.b.fetchStatistics.retransmissions == 1)
        #expect(s.b.fetchStatistics.objectsReceived == 1)
        #expect(try s.b.store.get(s.hash) == s.object)
        #expect(s.b.wantedCount == 0)
    }

    @Test func aHashNobodyHoldsIsGivenUpAfterTheAttemptLimit() throws {
        let directory = try NodeTestSupport.temporaryDirectory("fetch-giveup")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Self.setup(directory)
        let missing = Hash256.sha256([4, 5, 6])
        s.b.want(missing, .batch, from: s.a.address)
        var now: UInt64 = 0
        for _ in 0..<(s.b.fetchPolicy.maxAttempts + 2) {
            s.b.flushRequests()
            s.deliver()
            _ = try s.evilInbox()
            now += s.b.fetchPolicy.timeout
            s.b.tick(now: now)
        }
        #expect(s.b.wantedCount == 0)
        #expect(s.b.fetchStatistics.gaveUp == 1)
        #expect(s.b.fetchStatistics.hashesRequested >= s.b.fetchPolicy.maxAttempts)
    }
}
