import Foundation
import PoUWChain
import PoUWCore
import PoUWEconomics
import PoUWNode
import PoUWProtocol

/// Builds and prints the demo's final report.
enum DemoSummary {
    static func report(
        network: LocalNetwork,
        evaluation: LocalNetwork.Evaluation,
        dataset: String,
        task: String,
        seconds: Double,
        interrupted: Bool,
        confirmed: Bool
    ) throws -> DemoReport {
        let chain = network.archive.chain
        func paid(_ account: Address) -> Amount {
            guard confirmed, case .taskResult(let result)? = evaluation.result?.body else { return .zero }
            return Amount(units: result.payouts.filter { $0.to == account }.map(\.amount.units).reduce(0, +))
        }
        func balance(_ account: Address) -> String { ((try? chain.account(account))?.balance ?? .zero).description }
        let scores = Dictionary(uniqueKeysWithValues: evaluation.scores.map { ($0.miner, $0) })
        let miners = network.miners.map { node in
            // A miner of the task stopped at the end of training (it trains a filler since).
            let state = node.endOfTraining.stopped[network.task.taskID] ?? node.miner
            return DemoReport.Miner(
                name: node.name,
                key: node.nodeKey.hex,
                iterations: state?.sequence ?? 0,
                epoch: (state?.epoch ?? 0) + 1,
                trainLoss: Double(state?.lastLoss ?? .nan),
                testAccuracy: scores[node.nodeKey]?.accuracy ?? 0,
                blocksMined: node.minedBlocks.count,
                payout: paid(node.account).description,
                balance: balance(node.account),
                provenCheat: scores[node.nodeKey]?.provenCheat ?? false
            )
        }
        let selection = network.selection
        let tickets = (try? chain.tickets()) ?? []
        func seats(_ node: Node) -> String {
            guard let selection else { return "-" }
            var out: [String] = []
            for role in Role.allCases {
                for ticket in selection.seats(role, of: node.account) {
                    out.append("\(role) #\((selection.seats(role).firstIndex(of: ticket) ?? 0) + 1)")
                }
            }
            return out.isEmpty ? "-" : out.joined(separator: ", ")
        }
        func slashed(_ account: Address) -> Amount {
            Amount(
                units: tickets.filter { $0.record.owner == account && $0.fate == .slashed }.map(\.record.stake.units)
                    .reduce(0, +)
            )
        }
        let participants = network.nodes.map { node in
            DemoReport.Participant(
                name: node.name,
                role: node.roles.map(\.rawValue).sorted().joined(separator: "+"),
                account: node.account.description,
                seats: seats(node),
                locked: ((try? chain.account(node.account))?.locked ?? .zero).description,
                payout: paid(node.account).description,
                slashed: slashed(node.account).description,
                balance: balance(node.account)
            )
        }
        let totalSlashed = Amount(
            units: tickets.filter { $0.fate == .slashed }.map(\.record.stake.units).reduce(0, +)
        )
        let supply = try chain.supply()
        var fillerBlocks = 0
        let registration = selection?.registrationHeight ?? chain.tip.height
        if registration > 0 {
            for h in 1...registration {
                guard let block = try chain.block(atHeight: h),
                    let bytes = try network.archive.artefacts.bytes(for: block.header.msgHash),
                    let message = try? IterationMessage(canonicalBytes: bytes),
                    network.archive.joined[message.body.taskID]?.filler != nil
                else { continue }
                fillerBlocks += 1
            }
        }
        let lifecycle = DemoReport.Lifecycle(
            bootstrapRounds: network.bootstrapRounds,
            fillerBlocks: fillerBlocks,
            tickets: tickets.count,
            registrationHeight: selection?.registrationHeight,
            selectionProofs: selection?.selection.proofs.count ?? 0,
            supplyHeld: Amount(units: supply.held).description,
            supplyExpected: Amount(units: supply.expected).description,
            supplyBalanced: supply.held == supply.expected
        )
        let attestations = evaluation.claim?.attestations ?? []
        let terms = try? EconomicLedgerRules.terms(task: network.task.taskID, ledger: chain.ledgerView())
        var byTicket: [Hash256: Int] = [:]
        for a in attestations { byTicket[a.ticket, default: 0] += 1 }
        let verifierDraws = DemoReport.VerifierDraws(
            taskBlocks: evaluation.scores.map { Int($0.blocks) }.reduce(0, +),
            perBlock: Int(terms?.verifiersPerBlock ?? 0),
            attestations: attestations.count,
            verifiers: byTicket.keys.sorted().map { ticket in
                let owner = (try? chain.ticket(ticket))?.owner
                let line = owner.flatMap { evaluation.table.line(for: $0) }
                return DemoReport.VerifierDraws.Verifier(
                    ticket: ticket.short,
                    account: owner?.description ?? "?",
                    blocks: byTicket[ticket] ?? 0,
                    paid: (confirmed ? line?.verification ?? .zero : .zero).description
                )
            }
        )
        var blocks = [String]()
        let height = chain.tip.height
        if height > 0 {
            for h in 1...height { if let id = try chain.mainChainId(atHeight: h) { blocks.append(id.hex) } }
        }
        return DemoReport(
            dataset: dataset,
            task: task,
            taskID: network.task.taskID.hex,
            dataDirectory: network.directory,
            seconds: seconds,
            rounds: network.rounds,
            interrupted: interrupted,
            bestTestAccuracy: evaluation.scores.map(\.accuracy).max() ?? 0,
            chainHeight: height,
            blocks: blocks,
            taskResult: evaluation.result?.id.hex,
            taskResultConfirmed: confirmed,
            slashed: totalSlashed.description,
            cheaters: network.cheaters.map(\.name),
            forgedBlocks: network.forgedBlocks,
            miners: miners,
            participants: participants,
            verification: network.nodes.map {
                DemoReport.Verification(
                    node: $0.name,
                    accepted: $0.statistics.blocksAccepted,
                    invalid: $0.statistics.blocksInvalid,
                    unavailable: $0.statistics.blocksUnavailable,
                    messagesRecorded: $0.statistics.messagesRecorded,
                    messagesRejected: $0.statistics.messagesRejected,
                    verifySeconds: $0.statistics.verifySeconds,
                    auditsValid: $0.statistics.auditsValid,
                    auditsInvalid: $0.statistics.auditsInvalid,
                    auditsUnavailable: $0.statistics.auditsUnavailable,
                    evidenceSent: $0.statistics.evidenceSent,
                    lastMessageRejection: $0.statistics.lastMessageRejection
                )
            },
            lifecycle: lifecycle,
            network: networkReport(network),
            verifierDraws: verifierDraws
        )
    }

    static func networkReport(_ network: LocalNetwork) -> DemoReport.Network {
        let c = network.configuration
        let n = network.network.statistics
        let f = network.nodes.map(\.fetchStatistics)
        func sum(_ path: KeyPath<FetchStatistics, Int>) -> Int { f.map { $0[keyPath: path] }.reduce(0, +) }
        return DemoReport.Network(
            latencyMs: Double(c.latencyMicroseconds) / 1_000,
            jitterMs: Double(c.jitterMicroseconds) / 1_000,
            loss: Double(c.lossPerMillion) / 1_000_000,
            reorder: Double(c.reorderPerMillion) / 1_000_000,
            sent: n.sent,
            lost: n.lost,
            heldBack: n.heldBack,
            fetchRequests: sum(\.requestsSent),
            hashesRequested: sum(\.hashesRequested),
            retransmissions: sum(\.retransmissions),
            objectsFetched: sum(\.objectsReceived),
            objectsRejected: sum(\.objectsRejected),
            gaveUp: sum(\.gaveUp),
            blocksDeferred: sum(\.blocksDeferred),
            blocksRecovered: sum(\.blocksRecovered),
            blocksRequested: sum(\.blocksRequested),
            reannounced: sum(\.reannounced),
            relayed: sum(\.relayed),
            synchronized: network.synchronized
        )
    }

    /// `text` left-aligned in `width` columns.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func printTable(_ r: DemoReport) {
        print(
            String(
                format: "\nDemo finished after %.0f s, %d rounds%@: best test accuracy %.2f %%, chain height %llu",
                r.seconds,
                r.rounds,
                r.interrupted ? " (interrupted)" : "",
                100 * r.bestTestAccuracy,
                r.chainHeight
            )
        )
        print("task \(r.taskID)\n  \(r.task) on \(r.dataset)\n")
        print("miner         iters  epoch  test acc  blocks  payout              balance")
        for m in r.miners {
            print(
                pad(m.name, 12)
                    + String(
                        format: " %6llu %6u %8.2f%% %7d  ",
                        m.iterations,
                        m.epoch,
                        100 * m.testAccuracy,
                        m.blocksMined
                    )
                    + pad(m.payout, 18) + "  " + m.balance + (m.provenCheat ? "  (proven cheat: no fee share)" : "")
            )
        }
        print(
            "\nparticipant   role                 seats (VRF)       locked stake  payout              slashed  balance"
        )
        for p in r.participants {
            print(
                pad(p.name, 12) + "  " + pad(p.role, 19) + "  " + pad(p.seats, 16) + "  " + pad(p.locked, 12) + "  "
                    + pad(p.payout, 18) + "  " + pad(p.slashed, 7) + "  " + p.balance
            )
        }
        let l = r.lifecycle
        print(
            """

            lifecycle: \(l.fillerBlocks) filler block(s) and \(l.tickets) ticket(s) before the PAY_FOR_TASK at height \
            \(l.registrationHeight.map(String.init) ?? "?") (\(l.bootstrapRounds) bootstrap rounds); selection from \
            \(l.selectionProofs) VRF proof(s), re-checked by the chain at TASK_RESULT
            supply: held \(l.supplyHeld), expected \(l.supplyExpected) (genesis + subsidies − burned): \
            \(l.supplyBalanced ? "balanced" : "NOT BALANCED")
            """
        )
        let v = r.verifierDraws
        print(
            "verifiers drawn per block (VRF over each block's hash): \(v.perBlock) seat(s) per block; \(v.attestations) "
                + "attestation(s) over \(v.taskBlocks) task block(s), each paid by the block's miner"
        )
        for verifier in v.verifiers {
            print(
                "  verifier ticket \(verifier.ticket) (\(verifier.account)): drawn and attested \(verifier.blocks) "
                    + "block(s), paid \(verifier.paid)"
            )
        }
        let accepted = r.verification.map(\.accepted).reduce(0, +)
        let invalid = r.verification.map(\.invalid).reduce(0, +)
        let unavailable = r.verification.map(\.unavailable).reduce(0, +)
        let audits = (
            r.verification.map(\.auditsValid).reduce(0, +), r.verification.map(\.auditsInvalid).reduce(0, +),
            r.verification.map(\.auditsUnavailable).reduce(0, +)
        )
        let cheating =
            r.cheaters.isEmpty
            ? ""
            : "\ncheaters: \(r.cheaters.joined(separator: ", ")) (4× the learning rate); \(r.forgedBlocks) forged "
                + "block(s) broadcast; EVIDENCE sent by \(r.verification.filter { $0.evidenceSent > 0 }.count) node(s)"
        print(
            """

            blocks: \(r.blocks.count) mined; block verifications by replay: \(accepted) valid, \(invalid) invalid, \
            \(unavailable) unavailable (over \(r.verification.count) nodes)
            random audits of earlier iterations: \(audits.0) valid, \(audits.1) invalid, \(audits.2) unavailable\(cheating)
            TASK_RESULT: \(r.taskResult ?? "none") \(r.taskResultConfirmed ? "(in a block: fee paid out)" : "(not confirmed)")
            slashing: \(r.slashed)\(r.slashed == Amount.zero.description ? " (no evidence of cheating)" : "")
            network: \(r.network.sent) messages sent, \(r.network.lost) lost, \(r.network.heldBack) reordered \
            (loss \(r.network.loss), reorder \(r.network.reorder), jitter \(r.network.jitterMs) ms); \
            \(r.network.objectsFetched) objects fetched by hash in \(r.network.fetchRequests) requests \
            (\(r.network.retransmissions) asked again, \(r.network.gaveUp) given up, \(r.network.objectsRejected) \
            rejected); \(r.network.blocksDeferred) block arrivals waited for an artefact (\(r.network.blocksRecovered) \
            accepted on a retry, the rest by a later copy); \
            \(r.network.synchronized ? "every node on the same tip" : "NODES NOT ON THE SAME TIP")

            data: \(r.dataDirectory)/ — one directory per node (client, miner-N, supervisor-N, evaluator-N) and archive/
              pouw-replay --data-dir \(r.dataDirectory) chain
              pouw-replay --data-dir \(r.dataDirectory) task \(r.taskID)
              pouw-inspect --data-dir \(r.dataDirectory) task \(r.taskID)
            """
        )
    }
}
