public import PoUWCore
public import PoUWEconomics

/// One ticket as the chain holds it, with its economic status at the tip.
public struct TicketStatusReport: Sendable, Hashable {
    public let id: Hash256
    public let record: TicketRecord
    /// Task the ticket took a seat in, if any.
    public let usedIn: Hash256?
    /// Where the stake went, if it left the locked balance.
    public let fate: TicketStakeFate?
}

extension Blockchain {
    /// A read-only view of the ledger at the tip (for rules such as `EconomicLedgerRules.price(at:ledger:)`).
    public func ledgerView() -> LedgerOverlay { LedgerOverlay(base: storage) }

    /// Task `taskId`'s selection hash at the tip: the id of the block that included its PAY_FOR_TASK (`nil` if the
    /// task is not on the best chain). Ticket holders prove over it (`SelectionClaim.Proof.prove`).
    public func selectionHash(task taskId: Hash256) throws(ChainError) -> Hash256? {
        try EconomicLedgerRules.selectionHash(task: taskId, ledger: ledgerView())
    }

    /// Every ticket record with its use and stake status, in ticket id order.
    public func tickets() throws(ChainError) -> [TicketStatusReport] {
        let view = ledgerView()
        var out: [TicketStatusReport] = []
        for (key, value) in try storage.stateEntries(prefix: [UInt8(ascii: "k")]) {
            guard let id = Hash256(bytes: key.dropFirst()) else { continue }
            let record = try decodeState(TicketRecord.self, value, key: key)
            let used = try EconomicState.usedBy(
                try view.value(forKey: EconomicState.used(id)),
                key: EconomicState.used(id)
            )
            let fate = try EconomicState.stakeFate(
                try view.value(forKey: EconomicState.fate(id)),
                key: EconomicState.fate(id)
            )
            out.append(TicketStatusReport(id: id, record: record, usedIn: used, fate: fate))
        }
        return out
    }
}

extension EconomicsParameters {
    /// The economics preset that goes with a chain preset: `.paiMainnet` for mainnet, `.local` otherwise.
    public static func preset(for chain: ChainParameters) -> EconomicsParameters {
        chain.name == ChainParameters.mainnet.name ? .paiMainnet : .local
    }
}
