import PoUWCore
import PoUWCrypto

/// Grows a chain with blocks of signed transfers between the `DevKeys` accounts, mined with the target-only
/// work check at the `local` preset's easy target: for demos, `pouw-inspect` walkthroughs and the reindex
/// benchmark. Deterministic: the same arguments on the same chain give the same blocks.
///
/// Guarantees: every block it makes is valid under the chain's rules (it processes each one and throws on any
/// rejection); only works on chains whose genesis funds the dev keys (`local`).
public enum DemoChainBuilder {
    /// Appends `blocks` blocks of `transfersPerBlock` transfers each; `progress(done)` after each block.
    public static func extend(
        _ chain: Blockchain,
        blocks: Int,
        transfersPerBlock: Int,
        progress: (Int) -> Void = { _ in }
    ) throws(ChainError) {
        let keys = (0..<DevKeys.count).map { DevKeys.privateKey($0) }
        var sequences: [UInt64] = []
        for k in keys { sequences.append(try chain.account(Address(publicKey: k.publicKey)).sequence) }
        guard blocks > 0 else { return }
        var counter = UInt64(chain.tip.height) &* 1_000_003
        for done in 1...blocks {
            var txs: [Transaction] = []
            txs.reserveCapacity(transfersPerBlock)
            for i in 0..<transfersPerBlock {
                let from = i % keys.count
                counter &+= 1
                var toBytes = [UInt8](repeating: 0, count: Address.byteCount)
                withUnsafeBytes(of: counter.bigEndian) { toBytes.replaceSubrange(12..<20, with: $0) }
                let to =
                    i % 3 == 0 ? Address(publicKey: keys[(from + 1) % keys.count].publicKey) : Address(bytes: toBytes)!
                let tx = Transaction(
                    body: .transfer(Transfer(to: to, amount: Amount(units: 1_000 + counter % 1_000))),
                    signer: keys[from].publicKey,
                    sequence: sequences[from],
                    fee: Amount(units: 100 + counter % 50)
                ).signed(with: keys[from])
                sequences[from] += 1
                txs.append(tx)
            }
            let context = try chain.nextBlockContext()
            let block = BlockAssembler.assemble(
                context: context,
                transactions: txs,
                miner: DevKeys.address(done % DevKeys.count),
                time: chain.tip.time + chain.parameters.targetSpacing,
                parameters: chain.parameters
            )
            guard let mined = BlockAssembler.grindTargetOnly(block) else {
                throw .invalidBlock(id: block.id, .workRejected(reason: "no nonce found below the target"))
            }
            try chain.process(mined)
            progress(done)
        }
    }
}
