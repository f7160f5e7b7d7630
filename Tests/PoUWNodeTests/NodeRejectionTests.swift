import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWNode
import PoUWProtocol
import Testing

/// Nodes refuse what does not check out, and store nothing of it as valid.
@Suite(.serialized) struct NodeRejectionTests {
    static func network(_ directory: String) throws -> LocalNetwork {
        let (json, train, test) = try NodeTestSupport.digits()
        var configuration = NetworkConfiguration()
        configuration.miners = 2
        configuration.supervisors = 1
        configuration.evaluators = 1
        return try LocalNetwork(
            directory: directory,
            configuration: configuration,
            taskJSON: json,
            train: train,
            test: test,
            filler: try NodeTestSupport.filler()
        )
    }

    @Test func forgedMessageAndTamperedBlockAreRefusedEverywhere() throws {
        let directory = try NodeTestSupport.temporaryDirectory("reject")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try Self.network(directory)
        var mined: Block?
        var rounds = 0
        while mined == nil && rounds < 60 {
            mined = try network.round().compactMap(\.block).first
            rounds += 1
        }
        let block = try #require(mined)
        let archive = network.archive
        let before = archive.statistics
        let historySize = archive.recorder?.history.count ?? 0

        // A message signed by someone who is not a selected miner: refused, not recorded.
        let miner = network.miners[0]
        var body = try #require(miner.miner?.lastMessage).body
        body.loss = body.loss.nextUp
        let outsider = try LocalNetwork.key(name: "outsider", seed: 99)
        var foreign = body
        foreign.minerKey = try NodeKey(bytes: outsider.publicKey.bytes)
        archive.receive(try foreign.signed(with: outsider))
        #expect(archive.statistics.messagesRejected == before.messagesRejected + 1)
        // The miner's own key, but a replay of a step it already took (same sequence): refused as well.
        archive.receive(try body.signed(with: miner.key))
        #expect(archive.statistics.messagesRejected == before.messagesRejected + 2)
        #expect(archive.recorder?.history.count == historySize)

        // A block already accepted, with one nonce bit changed: rejected by the work check, tip unchanged.
        var tampered = block
        var nonce = tampered.header.nonce.bytes
        nonce[31] ^= 0x01
        tampered.header.nonce = try #require(Hash256(bytes: nonce))
        let tip = archive.chain.tip
        #expect(!archive.receive(tampered))
        #expect(archive.chain.tip == tip)
        #expect(archive.statistics.blocksInvalid == before.blocksInvalid + 1)
        #expect(archive.statistics.lastRejection?.contains("invalid") == true)
    }

    @Test func transactionsNoBlockCouldCarryAreNotPooledOrPassedOn() throws {
        let directory = try NodeTestSupport.temporaryDirectory("reject-tx")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try Self.network(directory)
        let client = network.client
        let archive = network.archive
        let sequence = try archive.chain.account(client.account).sequence
        let transfer = Transaction(
            body: .transfer(Transfer(to: archive.account, amount: try Amount(pai: 1))),
            signer: client.key.publicKey,
            sequence: sequence,
            fee: .zero
        )
        .signed(with: client.key)
        // Signed by the client, but altered after signing (another amount): the signature no longer verifies.
        var altered = transfer
        altered.body = .transfer(Transfer(to: archive.account, amount: try Amount(pai: 2)))
        // A coinbase only ever travels inside its block.
        let coinbase = Transaction(coinbase: Coinbase(height: 1, outputs: []))
        let before = archive.statistics.transactionsRefused
        let pooled = archive.mempool.count
        for (transaction, reason) in [(altered, "signature"), (coinbase, "coinbase")] {
            network.client.broadcast(.transaction(transaction.canonicalBytes))
            network.deliver()
            #expect(archive.statistics.lastRejection?.contains(reason) == true, "\(reason)")
            #expect(!archive.mempool.contains { $0.id == transaction.id })
            #expect(!network.miners[0].mempool.contains { $0.id == transaction.id })
        }
        #expect(archive.statistics.transactionsRefused == before + 2)
        #expect(archive.mempool.count == pooled)
        // The transfer as signed is pooled and passed on.
        network.client.broadcast(.transaction(transfer.canonicalBytes))
        network.deliver()
        #expect(archive.mempool.contains { $0.id == transfer.id })
        #expect(network.miners[0].mempool.contains { $0.id == transfer.id })
        #expect(archive.statistics.transactionsRefused == before + 2)
    }
}
