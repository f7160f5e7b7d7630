import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics

extension Node {
    /// Whether `transaction` can never be mined on this chain any more, whatever arrives later: its signer's
    /// sequence number has moved past it (it, or another transaction of the same slot, is mined), or it is an
    /// EVIDENCE whose proof was already used or whose offender ticket already met its fate (slashed, or its stake
    /// returned): another node's EVIDENCE of the same cheat was mined first.
    func isSpent(_ transaction: Transaction) throws -> Bool {
        guard let authorization = transaction.authorization else { return true }
        let signer = Address(publicKey: try Ed25519.PublicKey(bytes: authorization.signer))
        if try chain.account(signer).sequence > authorization.sequence { return true }
        if case .evidence(let evidence) = transaction.body,
            let proof = try? PoUWEconomics.Evidence(canonicalBytes: evidence.proof)
        {
            let ledger = chain.ledgerView()
            return try ledger.value(forKey: EconomicState.evidence(proof.id)) != nil
                || ledger.value(forKey: EconomicState.fate(proof.offenderTicket)) != nil
        }
        return false
    }

    /// After the tip moved: forgets the transactions that can never be mined any more (`isSpent`), so the pool
    /// of a long-running node does not fill with dead copies. Transactions that may still apply later (a
    /// sequence gap, a balance not there yet) stay.
    func dropSpentTransactions() {
        unpool { (try? isSpent($0)) ?? false }
    }
}
