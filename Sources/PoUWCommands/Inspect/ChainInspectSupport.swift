import ArgumentParser
import Foundation
import PoUWChain
import PoUWCore
import PoUWStore

/// Options shared by the chain views of `pouw-inspect` (with `DataDirOptions` for `--data-dir`).
struct ChainOutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object instead of a table.")
    var json = false
}

extension DataDirOptions {
    /// The chain storage of the data directory, opened read-only.
    func openChainStorage() throws -> StoreChainStorage { StoreChainStorage(store: try openStore(readOnly: true)) }

    /// Opens the chain in the data directory read-only (the preset is recognised from the stored genesis).
    func openChain() throws -> Blockchain {
        let storage = try openChainStorage()
        let parameters = try ChainVerifier.detectParameters(storage)
        return try Blockchain(storage: storage, parameters: parameters, work: TargetOnlyWorkValidator())
    }
}

/// Writes `value` as one line of sorted-key JSON to stdout (the tools' one JSON form, `JSONOutput`).
func printJSON(_ value: some Encodable) throws {
    try JSONOutput.print(value)
}

/// JSON views of chain values (amounts in base units, hashes in lowercase hex).
struct BlockSummary: Codable {
    var height: UInt64
    var id: String
    var prev: String
    var time: UInt64
    var bits: String
    var transactions: Int
    var bytes: Int

    init(height: UInt64, block: Block) {
        self.height = height
        id = block.id.hex
        prev = block.header.prev.hex
        time = block.header.time
        bits = String(format: "0x%08x", block.header.bits)
        transactions = block.transactions.count
        bytes = block.canonicalBytes.count
    }
}

struct TransactionSummary: Codable {
    var id: String
    var kind: String
    var signer: String?
    var sequence: UInt64?
    var fee: UInt64
    var details: [String: String]

    init(_ tx: Transaction) {
        id = tx.id.hex
        kind = tx.kind.description
        if let auth = tx.authorization {
            signer = Address(bytes: Hash256.sha256(auth.signer).bytes.prefix(Address.byteCount))?.hex
            sequence = auth.sequence
        }
        fee = tx.fee.units
        switch tx.body {
        case .coinbase(let c):
            details = [
                "height": "\(c.height)",
                "outputs": c.outputs.map { "\($0.to.hex):\($0.amount.units)" }.joined(separator: ","),
            ]
        case .transfer(let t):
            details = ["to": t.to.hex, "amount": "\(t.amount.units)"]
        case .payForTask(let p):
            details = [
                "taskDefinitionHash": p.taskDefinitionHash.hex, "datasetRoot": p.datasetRoot.hex,
                "testSetRoot": p.testSetRoot.hex, "escrow": "\(p.escrow.units)",
            ]
        case .buyTickets(let b):
            details = ["role": b.role.description, "count": "\(b.count)", "stake": "\(b.stake.units)"]
        case .taskResult(let r):
            details = [
                "task": r.taskId.hex,
                "payouts": r.payouts.map { "\($0.to.hex):\($0.amount.units)" }.joined(separator: ","),
                "evaluators": "\(r.evaluatorSignatures.count)",
            ]
        case .evidence(let e):
            details = [
                "kind": "\(e.kind)", "offender": e.offender.hex, "task": e.taskId.hex, "slash": "\(e.slash.units)",
            ]
        }
    }
}

/// Formats base units as PAI with 8 decimals.
func pai(_ units: UInt64) -> String { Amount(units: units).decimalString }
