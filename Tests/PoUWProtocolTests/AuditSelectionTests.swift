import PoUWCore
import PoUWProtocol
import Testing

/// The random-audit draw (`AuditSelection`, Docs/protocol.md "Evidence and audits").
@Suite("Random audit selection")
struct AuditSelectionTests {
    static let block = Hash256.sha256(Array("block".utf8))

    /// Values computed independently with Python's hashlib:
    /// `int.from_bytes(sha256(b"pouw/audit/v1" + block + struct.pack("<I", i)).digest()[:8], "big") % n`.
    @Test func matchesTheDocumentedRule() {
        #expect(AuditSelection.indices(blockID: Self.block, before: 1000, count: 4) == [933, 708, 512, 292])
        // Repeated draws are audited once, in first-drawn order.
        #expect(AuditSelection.indices(blockID: Self.block, before: 7, count: 6) == [4, 0, 5, 1, 3])
        #expect(AuditSelection.indices(blockID: Self.block, before: 1, count: 3) == [0])
    }

    @Test func boundsAndEmptyCases() {
        #expect(AuditSelection.indices(blockID: Self.block, before: 0, count: 3).isEmpty)
        #expect(AuditSelection.indices(blockID: Self.block, before: 50, count: 0).isEmpty)
        for n in 1..<40 {
            let indices = AuditSelection.indices(blockID: Hash256.sha256([UInt8(n)]), before: n, count: 5)
            #expect(!indices.isEmpty && indices.count <= 5 && Set(indices).count == indices.count)
            #expect(indices.allSatisfy { $0 >= 0 && $0 < n })
        }
    }
}
