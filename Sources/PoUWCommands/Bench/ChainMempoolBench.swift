import PoUWChain
import PoUWCore
import PoUWCrypto

/// Mempool admission speed for `pouw-bench chain`: signed transfers from the dev keys (in sequence, with
/// varying fees) admitted to an empty pool on `chain`'s tip, timed in CPU seconds for the first and the second
/// half separately. Admission includes a signature check (~1/9,000 s), so the rate is bounded by that; with an
/// O(n) admission the second half (pool of n/2…n) would be far slower than the first.
struct ChainMempoolBench {
    var size: Int
    var firstHalfPerCPUSecond: Double
    var secondHalfPerCPUSecond: Double

    init(chain: Blockchain, transactions: Int) throws {
        let keys = (0..<DevKeys.count).map { DevKeys.privateKey($0) }
        var sequences: [UInt64] = []
        for k in keys { sequences.append(try chain.account(Address(publicKey: k.publicKey)).sequence) }
        var txs: [Transaction] = []
        txs.reserveCapacity(transactions)
        for i in 0..<transactions {
            let from = i % keys.count
            let tx = Transaction(
                body: .transfer(Transfer(to: DevKeys.address((from + 1) % keys.count), amount: Amount(units: 1_000))),
                signer: keys[from].publicKey,
                sequence: sequences[from],
                fee: Amount(units: 100 + UInt64(i * 7919 % 5_000))
            ).signed(with: keys[from])
            sequences[from] += 1
            txs.append(tx)
        }
        var pool = Mempool(capacity: transactions)
        let half = transactions / 2
        var seconds: [Double] = []
        for range in [0..<half, half..<transactions] {
            let start = processCPUSeconds()
            for tx in txs[range] { try pool.add(tx, chain: chain) }
            seconds.append(max(processCPUSeconds() - start, 1e-9))
        }
        size = pool.count
        firstHalfPerCPUSecond = (Double(half) / seconds[0]).rounded()
        secondHalfPerCPUSecond = (Double(transactions - half) / seconds[1]).rounded()
    }
}
