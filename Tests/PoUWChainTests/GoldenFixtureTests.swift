import PoUWCore
import PoUWCrypto
import PoUWEconomics
import Testing

@testable import PoUWChain

#if canImport(Glibc)
import Glibc
#endif

/// The canonical bytes and ids of one sample of every chain format, pinned under `Fixtures/chain/`.
/// Regenerate (only when a format change is intended) with `POUW_REGENERATE_FIXTURES=1 swift test --filter
/// GoldenFixtureTests`.
@Suite("Golden fixtures: chain formats")
struct GoldenFixtureTests {
    static let directory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/PoUWChainTests/<file>
        return parts.joined(separator: "/") + "/Fixtures/chain"
    }()

    static let bob = Address(bytes: (0..<20).map { UInt8($0) })!

    static func signed(_ body: Transaction.Body, by i: Int, sequence: UInt64, fee: UInt64) -> Transaction {
        Transaction(body: body, signer: DevKeys.privateKey(i).publicKey, sequence: sequence, fee: Amount(units: fee))
            .signed(with: DevKeys.privateKey(i))
    }

    static func taskResult() -> Transaction {
        var r = TaskResult(
            taskId: Hash256.sha256(Array("task".utf8)),
            metrics: Array("accuracy=0.9712".utf8),
            payouts: [
                Payout(to: bob, amount: Amount(units: 700_000)),
                Payout(to: DevKeys.address(1), amount: Amount(units: 300_000)),
            ]
        )
        let evaluator = DevKeys.privateKey(2)
        r.evaluatorSignatures = [
            EvaluatorSignature(publicKey: evaluator.publicKey.bytes, signature: evaluator.sign(r.evaluatorMessage))
        ]
        return signed(.taskResult(r), by: 3, sequence: 4, fee: 2_500)
    }

    /// (name, canonical bytes, id) of every sample.
    static func samples() -> [(String, [UInt8], Hash256)] {
        let coinbase = Transaction(
            coinbase: Coinbase(
                height: 7,
                outputs: [Payout(to: bob, amount: Amount(units: 5_000_012_345))],
                extra: [0xca, 0xfe]
            )
        )
        let transfer = signed(
            .transfer(Transfer(to: bob, amount: Amount(units: 123_456_789), memo: Array("hi".utf8))),
            by: 0,
            sequence: 3,
            fee: 1_000
        )
        let pay = signed(
            .payForTask(
                PayForTask(
                    taskDefinition: Array("{\"model\":\"mlp\"}".utf8),
                    datasetRoot: Hash256.sha256(Array("train".utf8)),
                    testSetRoot: Hash256.sha256(Array("test".utf8)),
                    escrow: Amount(units: 1_000_000)
                )
            ),
            by: 0,
            sequence: 4,
            fee: 5_000
        )
        // Version 2: the same PAY_FOR_TASK carrying its task terms (economics record 0x78).
        let payWithTerms = signed(
            .payForTask(
                PayForTask(
                    taskDefinition: Array("{\"model\":\"mlp\"}".utf8),
                    datasetRoot: Hash256.sha256(Array("train".utf8)),
                    testSetRoot: Hash256.sha256(Array("test".utf8)),
                    escrow: Amount(units: 1_000_000),
                    terms: try! TaskTerms(
                        miners: 3,
                        supervisors: 2,
                        evaluators: 1,
                        verifiersPerBlock: 1,
                        requirements: TaskRequirements(
                            modelType: "mlp",
                            datasetBytes: 1 << 20,
                            minGPUCount: 0,
                            minGPUMemoryMiB: 0,
                            storageBytes: 1 << 20,
                            minBandwidthMbps: 0,
                            minFaultsTolerated: 0
                        )
                    ).canonicalBytes
                )
            ),
            by: 0,
            sequence: 4,
            fee: 5_000
        )
        let tickets = signed(
            .buyTickets(
                BuyTickets(
                    role: .supervisor,
                    count: 3,
                    stake: Amount(units: 300_000),
                    preferences: [1, 2, 3, 4],
                    vrfPublicKey: [0x03] + [UInt8](repeating: 0x11, count: 32)
                )
            ),
            by: 1,
            sequence: 0,
            fee: 1_500
        )
        let evidence = signed(
            .evidence(
                Evidence(
                    kind: 2,
                    offender: DevKeys.address(1),
                    taskId: Hash256.sha256(Array("task".utf8)),
                    slash: Amount(units: 100_000),
                    proof: Array("proof".utf8)
                )
            ),
            by: 2,
            sequence: 9,
            fee: 700
        )
        let header = BlockHeader(
            version: 1,
            prev: Hash256.sha256(Array("prev".utf8)),
            txRoot: Hash256.sha256(Array("root".utf8)),
            time: 1_764_000_600,
            bits: 0x1d00_ffff,
            nonce: Hash256.sha256(Array("nonce".utf8)),
            msgHash: Hash256.sha256(Array("msg".utf8)),
            historyRoot: Hash256.sha256(Array("history".utf8))
        )
        let txs = [coinbase, transfer, pay]
        let block = Block(
            header: BlockHeader(
                version: 1,
                prev: Genesis.block(for: .local).id,
                txRoot: Block.transactionRoot(txs),
                time: 1_764_000_002,
                bits: 0x207f_ffff,
                nonce: Hash256.sha256(Array("n".utf8))
            ),
            transactions: txs
        )
        let localGenesis = Genesis.block(for: .local)
        let mainGenesis = Genesis.block(for: .mainnet)
        // A stored invalid-block mark: the index record of a block that failed contextual validation.
        let invalidMark = BlockIndexRecord(
            height: 2,
            chainWork: UInt256(Hash256.sha256(Array("work".utf8))),
            status: .invalid,
            bodyHash: block.canonicalHash,
            header: block.header
        )
        return [
            ("header", header.canonicalBytes, header.id),
            ("tx-coinbase", coinbase.canonicalBytes, coinbase.id),
            ("tx-transfer", transfer.canonicalBytes, transfer.id),
            ("tx-pay-for-task", pay.canonicalBytes, pay.id),
            ("tx-pay-for-task-v2", payWithTerms.canonicalBytes, payWithTerms.id),
            ("tx-buy-tickets", tickets.canonicalBytes, tickets.id),
            ("tx-task-result", taskResult().canonicalBytes, taskResult().id),
            ("tx-evidence", evidence.canonicalBytes, evidence.id),
            ("block", block.canonicalBytes, block.id),
            ("genesis-local", localGenesis.canonicalBytes, localGenesis.id),
            ("genesis-mainnet", mainGenesis.canonicalBytes, mainGenesis.id),
            ("index-record-invalid", invalidMark.canonicalBytes, invalidMark.canonicalHash),
        ]
    }

    static func render(_ bytes: [UInt8], _ id: Hash256) -> String { "bytes \(Hex.encode(bytes))\nid \(id.hex)\n" }

    @Test(arguments: samples().map(\.0)) func matchesFixture(name: String) throws {
        let (_, bytes, id) = try #require(Self.samples().first { $0.0 == name })
        let path = "\(Self.directory)/\(name).txt"
        if getenv("POUW_REGENERATE_FIXTURES") != nil {
            let file = try #require(fopen(path, "w"))
            fputs(Self.render(bytes, id), file)
            fclose(file)
        }
        let text = try #require(readFile(path), "missing fixture \(path)")
        #expect(text == Self.render(bytes, id), "\(name): format changed; see Fixtures/README.md")
        // Decoding the fixture's bytes and re-encoding gives the same bytes and id.
        let lines = text.split(separator: "\n")
        let fixtureBytes = try #require(Hex.decode(lines[0].dropFirst(6)))
        switch name {
        case "header":
            let h = try BlockHeader(canonicalBytes: fixtureBytes)
            #expect(h.canonicalBytes == fixtureBytes && h.id == id)
        case "index-record-invalid":
            let r = try BlockIndexRecord(canonicalBytes: fixtureBytes)
            #expect(r.canonicalBytes == fixtureBytes && r.canonicalHash == id && r.status == .invalid)
        case "block", "genesis-local", "genesis-mainnet":
            let b = try Block(canonicalBytes: fixtureBytes)
            #expect(b.canonicalBytes == fixtureBytes && b.id == id)
        default:
            let t = try Transaction(canonicalBytes: fixtureBytes)
            #expect(t.canonicalBytes == fixtureBytes && t.id == id)
            try TransactionChecks.checkSignatures(t, id: t.id)
        }
    }

    func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
