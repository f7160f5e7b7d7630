import ArgumentParser
import PoUWChain
import PoUWCore
import PoUWEconomics

/// `pouw-inspect tickets`: the ticket pool at the tip, the price in force and every ticket's life.
struct ChainTicketsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickets",
        abstract: "List the ticket pool: price in force, pool size and each ticket's lots, stake, maturity and expiry.",
        discussion: """
            Each BUY_TICKETS transaction is one ticket record (its id is the transaction id; count = lots, its \
            weight in selection). Status at the next height: immature, live, used (took a seat; stake stays \
            locked until expiry), released (stake returned at expiry) or slashed (confiscated by EVIDENCE). \
            Maturity and expiry use the economics preset of the chain's preset (local or PAI mainnet). Amounts \
            are PAI in tables, base units in JSON.
            Example: pouw-inspect --data-dir ./pouw-data tickets --role miner --json
            """
    )

    @OptionGroup var data: DataDirOptions
    @OptionGroup var options: ChainOutputOptions

    @Option(help: "Only tickets of this role: miner, supervisor, evaluator or verifier.")
    var role: String?

    func run() throws {
        let roleFilter: Role?
        if let role {
            guard let r = Role(name: role) else {
                throw ValidationError("unknown role \"\(role)\" (miner, supervisor, evaluator, verifier)")
            }
            roleFilter = r
        } else {
            roleFilter = nil
        }
        let chain = try data.openChain()
        let economics = EconomicsParameters.preset(for: chain.parameters)
        let next = chain.tip.height + 1
        let price = try EconomicLedgerRules.price(at: next, ledger: chain.ledgerView(), parameters: economics)
        struct Row: Codable {
            var id: String
            var owner: String
            var role: String
            var lots: UInt32
            var stake: UInt64
            var bought: UInt64
            var maturity: UInt64
            var expiry: UInt64
            var status: String
            var usedIn: String?
        }
        var pool = 0
        var rows: [Row] = []
        for t in try chain.tickets() {
            let maturity = t.record.height + UInt64(economics.ticketMaturity)
            let expiry = maturity + UInt64(economics.ticketExpiry)
            let status: String =
                switch t.fate {
                case .slashed: "slashed"
                case .released: "released"
                case nil: t.usedIn != nil ? "used" : next < maturity ? "immature" : next < expiry ? "live" : "expired"
                }
            if t.fate == nil { pool += 1 }
            if let roleFilter, roleFilter.rawValue != t.record.role.rawValue { continue }
            rows.append(
                Row(
                    id: t.id.hex,
                    owner: t.record.owner.hex,
                    role: t.record.role.description,
                    lots: t.record.count,
                    stake: t.record.stake.units,
                    bought: t.record.height,
                    maturity: maturity,
                    expiry: expiry,
                    status: status,
                    usedIn: t.usedIn?.hex
                )
            )
        }
        if options.json {
            struct Output: Codable {
                var height: UInt64
                var price: UInt64
                var pool: Int
                var ticketMaturity: UInt32
                var ticketExpiry: UInt32
                var tickets: [Row]
            }
            return try printJSON(
                Output(
                    height: chain.tip.height,
                    price: price.units,
                    pool: pool,
                    ticketMaturity: economics.ticketMaturity,
                    ticketExpiry: economics.ticketExpiry,
                    tickets: rows
                )
            )
        }
        print("ticket        owner         role        lots  stake (PAI)     bought  matures  expires  status")
        for r in rows {
            print(
                String(r.id.prefix(12)).padding(14) + String(r.owner.prefix(12)).padding(14) + r.role.padding(12)
                    + "\(r.lots)".padding(6) + pai(r.stake).padding(16) + "\(r.bought)".padding(8)
                    + "\(r.maturity)".padding(9) + "\(r.expiry)".padding(9) + r.status
            )
        }
        print(
            "\(rows.count) ticket(s) shown; pool \(pool) staked; price for height \(next): \(pai(price.units)) PAI"
                + " (maturity \(economics.ticketMaturity), expiry \(economics.ticketExpiry) blocks)"
        )
    }
}
