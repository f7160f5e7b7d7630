import Foundation
import PoUWCore
import PoUWCrypto
import Testing

/// Golden canonical bytes of the core records (Fixtures/core, written independently with Python's hashlib from
/// the Certificate Transparency reference vectors; see Fixtures/README.md). Changing a format breaks these.
@Suite struct CoreFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/core")

    static func fixture(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".hex"), encoding: .utf8)
        return try #require(Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// The CT reference leaves (transparency-dev/merkle testonly.LeafInputs).
    static let tree = MerkleTree(
        leaves: ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .map { Hex.decode($0)! }
    )

    @Test func merkleInclusionProofV1() throws {
        let bytes = try Self.fixture("merkle-inclusion-proof-v1")
        let proof = try Self.tree.inclusionProof(index: 5)
        #expect(proof.canonicalBytes == bytes)
        #expect(proof.canonicalHash.hex == "bd253efa51df1d2a908ad1509289386a42642eb7c3a602d9ec89a3a90169e7e6")
        #expect(try MerkleInclusionProof(canonicalBytes: bytes) == proof)
    }

    @Test func merkleConsistencyProofV1() throws {
        let bytes = try Self.fixture("merkle-consistency-proof-v1")
        let proof = try Self.tree.consistencyProof(from: 6)
        #expect(proof.canonicalBytes == bytes)
        #expect(proof.canonicalHash.hex == "6d0cfce95799d357fc37f7c8a88487a8cc049be00b9f9bcf5e5877626b9a0425")
        #expect(try MerkleConsistencyProof(canonicalBytes: bytes) == proof)
    }

    @Test func amountAndAddress() throws {
        let amount = try Amount.parse("12.345 PAI")
        #expect(amount.canonicalBytes == (try Self.fixture("amount")))
        let key = try Ed25519.PublicKey(
            bytes: Hex.decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")!
        )
        #expect(Address(publicKey: key).canonicalBytes == (try Self.fixture("address")))
    }
}
