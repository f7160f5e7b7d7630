public import PoUWCore

/// Builds block candidates: the coinbase (subsidy + fees to the miner), txRoot, bits and a time that satisfy
/// the header rules; `grindTargetOnly` then searches nonces for `TargetOnlyWorkValidator` (tests, benchmarks,
/// demos at an easy target — real PoUW nonces come from training, see the protocol module).
///
/// Guarantees: an assembled block passes every chain rule except work, given valid transactions in order.
public enum BlockAssembler {
    /// A block on top of `context.prev` paying `minerReward` to `miner`.
    public static func assemble(
        context: NextBlockContext,
        transactions: [Transaction],
        miner: Address,
        time: UInt64,
        parameters: ChainParameters,
        extra: [UInt8] = []
    ) -> Block {
        var total = parameters.subsidy(atHeight: context.height)
        for tx in transactions { total += tx.fee.units }
        let coinbase = Transaction(
            coinbase: Coinbase(
                height: context.height,
                outputs: total == 0 ? [] : [Payout(to: miner, amount: Amount(units: total))],
                extra: extra
            )
        )
        let all = [coinbase] + transactions
        let header = BlockHeader(
            version: 1,
            prev: context.prev,
            txRoot: Block.transactionRoot(all),
            time: max(time, context.medianTimePast + 1),
            bits: context.bits
        )
        return Block(header: header, transactions: all)
    }

    /// Increments the nonce (as a big-endian counter in its last 8 bytes) until SHA-256d(header) ≤ target.
    /// Returns `nil` if the bits are not a valid target or `maxTries` runs out.
    public static func grindTargetOnly(_ block: Block, maxTries: UInt64 = 1 << 32) -> Block? {
        guard let target = try? CompactTarget.decode(block.header.bits) else { return nil }
        var b = block
        for i in 0..<maxTries {
            b.header.nonce = Hash256(w0: b.header.nonce.w0, w1: b.header.nonce.w1, w2: b.header.nonce.w2, w3: i)
            if UInt256(b.header.id) <= target { return b }
        }
        return nil
    }
}
