import Foundation
import PoUWChain
import PoUWCore
import PoUWCrypto
import PoUWEconomics
import PoUWProtocol
import PoUWStore
import Testing

@testable import PoUWNode

/// What peers send cannot grow a node's memory without end: the transaction pool, the attestations kept per task
/// and for unregistered tasks in all, the offers of unregistered tasks, the hashes of handled history checkpoints
/// and the selection proofs heard before a task's registration are bounded, each at its documented size, and what
/// arrives beyond the bound is dropped without harm.
@Suite(.serialized) struct NodeBoundsTests {
    /// A verifier node with an empty chain (genesis of the local parameters) on its own simulated network, and
    /// two raw endpoints: `sender` (what the node hears comes from it) and `listener` (hears what it passes on).
    struct Standalone {
        let network: SimulatedNetwork
        let node: Node
        let sender: SimulatedTransport
        let listener: SimulatedTransport

        init(_ directory: String, seed: UInt64) throws {
            network = SimulatedNetwork(seed: seed)
            node = try Node(
                name: "bounded",
                roles: [.verifier],
                key: LocalNetwork.key(name: "bounded", seed: seed),
                directory: directory + "/bounded",
                transport: network.attach(NodeAddress("bounded"))
            )
            sender = try network.attach(NodeAddress("sender"))
            listener = try network.attach(NodeAddress("listener"))
        }

        /// Delivers everything in flight and returns what reached the listener, decoded.
        func passedOn() throws -> [WireMessage] {
            while network.inFlight > 0 { network.deliverNext() }
            var out: [WireMessage] = []
            while let envelope = listener.receive() { out.append(try WireMessage(canonicalBytes: envelope.payload)) }
            return out
        }
    }

    @Test func aFullPoolRefusesAFurtherValidTransactionAndPassesNothingOn() throws {
        let directory = try NodeTestSupport.temporaryDirectory("bound-mempool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Standalone(directory, seed: 21)
        // Transfers from the genesis-funded development account, each valid on its own (a sequence not yet
        // spent, a good signature): any of them could be mined.
        let payer = DevKeys.privateKey(0)
        let payee = Address(publicKey: DevKeys.privateKey(1).publicKey)
        func transfer(_ sequence: UInt64) -> Transaction {
            Transaction(
                body: .transfer(Transfer(to: payee, amount: Amount(units: 1), memo: [])),
                signer: payer.publicKey,
                sequence: sequence,
                fee: .zero
            )
            .signed(with: payer)
        }
        #expect(Node.mempoolLimit == 4096)
        for sequence in 0..<UInt64(Node.mempoolLimit) {
            s.node.handle(
                WireMessage.transaction(transfer(sequence).canonicalBytes).canonicalBytes,
                from: s.sender.address
            )
        }
        #expect(s.node.mempool.count == Node.mempoolLimit)
        #expect(s.node.statistics.transactionsRefused == 0, "\(s.node.statistics.lastRejection ?? "")")
        #expect(try s.passedOn().count == Node.mempoolLimit)  // each new one was passed on once

        // The pool is full: one more valid transaction is counted as refused, with the reason, and is neither
        // pooled, stored nor passed on.
        let extra = transfer(UInt64(Node.mempoolLimit))
        s.node.handle(WireMessage.transaction(extra.canonicalBytes).canonicalBytes, from: s.sender.address)
        #expect(s.node.statistics.transactionsRefused == 1)
        #expect(s.node.statistics.lastRejection?.contains("the pool holds \(Node.mempoolLimit) transactions") == true)
        #expect(s.node.mempool.count == Node.mempoolLimit)
        #expect(!s.node.mempool.contains { $0.id == extra.id })
        #expect(try s.node.store.contains(transfer(0).id))
        #expect(try !s.node.store.contains(extra.id))
        #expect(try s.passedOn().isEmpty)
        // A copy of a pooled transaction is still only a copy: ignored, not refused.
        s.node.handle(WireMessage.transaction(transfer(7).canonicalBytes).canonicalBytes, from: s.sender.address)
        #expect(s.node.statistics.transactionsRefused == 1)
        #expect(try s.passedOn().isEmpty)
    }

    @Test func attestationsKeptPerTaskStopAtTheBound() throws {
        let directory = try NodeTestSupport.temporaryDirectory("bound-attestations")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Standalone(directory, seed: 22)
        let node = s.node
        let verifier = try LocalNetwork.key(name: "verifier", seed: 22)
        let proof = Array(repeating: UInt8(0x5a), count: 81)
        func attestation(task: String, block: String, ticket: String) -> BlockAttestation {
            BlockAttestation.sign(
                task: Hash256.sha256(Array(task.utf8)),
                block: Hash256.sha256(Array(block.utf8)),
                ticket: Hash256.sha256(Array(ticket.utf8)),
                proof: proof,
                key: verifier
            )
        }
        let task = Hash256.sha256(Array("task".utf8))
        #expect(Node.attestationsPerTaskLimit == 65_536)
        // The node already keeps one short of the bound for the task (other tickets on a block it never saw:
        // tickets not on its chain cannot be checked yet, so they are kept); signing that many would only make
        // the test slow, and the bound counts what is kept, not how it came.
        let seen = attestation(task: "task", block: "seen before", ticket: "a ticket")
        var byTicket: [Hash256: BlockAttestation] = [:]
        byTicket.reserveCapacity(Node.attestationsPerTaskLimit)
        for i in 0..<(Node.attestationsPerTaskLimit - 1) {
            byTicket[Hash256.sha256(Array("ticket \(i)".utf8))] = seen
        }
        node.lifecycle.attestations[task] = [seen.block: byTicket]

        // The last place is taken through the wire, and passed on once.
        let last = attestation(task: "task", block: "block 1", ticket: "ticket A")
        node.handle(WireMessage.attestation(last.canonicalBytes).canonicalBytes, from: s.sender.address)
        #expect(node.lifecycle.attestations[task]?[last.block]?[last.ticket] == last)
        #expect(try s.passedOn() == [.attestation(last.canonicalBytes)])
        // One more for the task, validly signed: neither kept nor passed on, with the reason.
        let beyond = attestation(task: "task", block: "block 2", ticket: "ticket B")
        node.handle(WireMessage.attestation(beyond.canonicalBytes).canonicalBytes, from: s.sender.address)
        #expect(node.lifecycle.attestations[task]?[beyond.block] == nil)
        #expect(node.statistics.lastRejection?.contains("65536 already kept for task") == true)
        #expect(try s.passedOn().isEmpty)
        #expect(node.statistics.attestationsRefused == 1)
        #expect(!node.receiveAttestation(beyond.canonicalBytes))
        #expect(node.statistics.attestationsRefused == 2)
        let kept = node.lifecycle.attestations[task]?.values.reduce(0) { $0 + $1.count }
        #expect(kept == Node.attestationsPerTaskLimit)
        // The bound is per task: another task's attestation is still kept.
        let other = attestation(task: "another task", block: "block 2", ticket: "ticket B")
        #expect(node.receiveAttestation(other.canonicalBytes))
        #expect(node.lifecycle.attestations[other.task]?[other.block]?[other.ticket] == other)
    }

    @Test func attestationsForUnregisteredTasksStopAtTheBoundInAll() throws {
        let directory = try NodeTestSupport.temporaryDirectory("bound-unregistered-attestations")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Standalone(directory, seed: 24)
        let node = s.node
        let verifier = try LocalNetwork.key(name: "verifier", seed: 24)
        let proof = Array(repeating: UInt8(0x5a), count: 81)
        // Made-up tasks (the node's chain registers none), four blocks each: far below the per-task bound.
        func attestation(task: Int, block: Int) -> BlockAttestation {
            BlockAttestation.sign(
                task: Hash256.sha256(Array("made-up task \(task)".utf8)),
                block: Hash256.sha256(Array("block \(block)".utf8)),
                ticket: Hash256.sha256(Array("ticket".utf8)),
                proof: proof,
                key: verifier
            )
        }
        func send(_ attestation: BlockAttestation) {
            node.handle(WireMessage.attestation(attestation.canonicalBytes).canonicalBytes, from: s.sender.address)
        }
        func kept() -> Int {
            node.lifecycle.attestations.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } }
        }
        #expect(Node.unregisteredAttestationsLimit == 16_384)
        let limit = Node.unregisteredAttestationsLimit
        for i in 0..<limit { send(attestation(task: i / 4, block: i % 4)) }
        #expect(kept() == limit && node.lifecycle.attestations.count == limit / 4)
        #expect(node.lifecycle.unregisteredAttestations == limit && node.statistics.attestationsRefused == 0)
        #expect(try s.passedOn().count == limit)  // each was passed on once

        // Beyond the bound: one for a new made-up task, and one for a block of a task already held, are neither
        // kept nor passed on, with the reason.
        let newTask = attestation(task: limit, block: 0)
        send(newTask)
        #expect(node.lifecycle.attestations[newTask.task] == nil)
        #expect(node.statistics.lastRejection?.contains("\(limit) already kept for tasks not registered") == true)
        let heldTask = attestation(task: 0, block: 4)
        send(heldTask)
        #expect(node.lifecycle.attestations[heldTask.task]?[heldTask.block] == nil)
        #expect(try s.passedOn().isEmpty)
        let keptNewTask = node.receiveAttestation(newTask.canonicalBytes)
        #expect(!keptNewTask)
        #expect(kept() == limit && node.lifecycle.unregisteredAttestations == limit)
        #expect(node.statistics.attestationsRefused == 3)  // each refusal counted
        // A copy of a kept one is still only a copy (ignored, not counted as refused), and counting again finds as
        // many.
        let keptCopy = node.receiveAttestation(attestation(task: 0, block: 0).canonicalBytes)
        #expect(!keptCopy && node.statistics.attestationsRefused == 3)
        node.recountUnregisteredAttestations()
        #expect(node.lifecycle.unregisteredAttestations == limit)
    }

    @Test func offersOfUnregisteredTasksStopAtTheBoundAndARefusedTaskIsAcceptedOnceRegistered() throws {
        let directory = try NodeTestSupport.temporaryDirectory("bound-offers")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeRejectionTests.network(directory)
        let task = network.task
        let archive = network.archive
        let escrow = try #require(try archive.chain.task(task.taskID))
        // A node joins with an empty chain: no task is registered on it yet.
        let late = try SelectionProofTests.lateNode(joining: network, directory: directory)
        // Sound manifests anybody can make without funds: the task's own PAY_FOR_TASK body signed by a key that
        // holds nothing, at sequences 0, 1, …: each validly signed, each its own task id, none ever on chain.
        guard case .payForTask(let payload) = task.manifest.transaction.body else {
            Issue.record("the task's transaction is not a PAY_FOR_TASK")
            return
        }
        let stranger = try LocalNetwork.key(name: "stranger", seed: 0)
        func madeUp(_ sequence: Int) -> TaskManifest {
            let transaction = Transaction(
                body: .payForTask(payload),
                signer: stranger.publicKey,
                sequence: UInt64(sequence),
                fee: .zero
            )
            .signed(with: stranger)
            let good = task.manifest
            return TaskManifest(
                transaction: transaction,
                dataSeed: good.dataSeed,
                sampleCount: good.sampleCount,
                batchHashes: good.batchHashes,
                testBatchHashes: good.testBatchHashes
            )
        }
        #expect(Node.unregisteredOffersLimit == 64)
        let limit = Node.unregisteredOffersLimit
        for i in 0..<limit { #expect(late.receiveManifest(madeUp(i).canonicalBytes)) }
        #expect(late.lifecycle.offers.count == limit && late.statistics.offersRefused == 0)
        // Beyond the bound an unregistered task's manifest is refused with the reason, and not recorded as a
        // refusal; so is the genuine one, heard before its registration reached this node.
        let beyond = madeUp(limit)
        let acceptedBeyond = late.receiveManifest(beyond.canonicalBytes)
        #expect(!acceptedBeyond)
        #expect(late.statistics.offersRefused == 1)
        #expect(late.statistics.lastRejection?.contains("\(limit) offers kept whose task is not registered") == true)
        #expect(late.lifecycle.offers[beyond.taskID] == nil && late.taskData.refusals[beyond.taskID] == nil)
        let acceptedEarly = late.receiveManifest(task.manifest.canonicalBytes)
        #expect(!acceptedEarly)
        #expect(late.statistics.offersRefused == 2)
        #expect(late.lifecycle.offers[task.taskID] == nil && late.taskData.refusals.isEmpty)
        // An attestation for the task, heard now, counts as one for an unregistered task.
        let attestation = BlockAttestation.sign(
            task: task.taskID,
            block: Hash256.sha256(Array("a block".utf8)),
            ticket: Hash256.sha256(Array("a ticket".utf8)),
            proof: Array(repeating: 0x5a, count: 81),
            key: stranger
        )
        let keptEarly = late.receiveAttestation(attestation.canonicalBytes)
        #expect(keptEarly)
        #expect(late.lifecycle.unregisteredAttestations == 1)

        // It catches up block by block from the archive up to the task's registration.
        try SelectionProofTests.catchUp(late, in: network, through: escrow.height)
        #expect(late.isRegistered(task.taskID))
        // The task is registered now: its manifest, heard again (its client re-sends it until settlement), is
        // accepted though the bound is still full; a made-up one is still refused.
        let acceptedRegistered = late.receiveManifest(task.manifest.canonicalBytes)
        #expect(acceptedRegistered)
        #expect(late.lifecycle.offers[task.taskID]?.batchHashes == task.batchHashes)
        let acceptedMadeUp = late.receiveManifest(madeUp(limit + 1).canonicalBytes)
        #expect(!acceptedMadeUp)
        #expect(late.statistics.offersRefused == 3)
        // The attestation no longer counts against the bound for unregistered tasks; even with that bound full, a
        // new attestation for the registered task is kept, one for a made-up task is not.
        #expect(late.lifecycle.unregisteredAttestations == 0)
        late.lifecycle.unregisteredAttestations = Node.unregisteredAttestationsLimit
        let registered = BlockAttestation.sign(
            task: task.taskID,
            block: Hash256.sha256(Array("another block".utf8)),
            ticket: attestation.ticket,
            proof: attestation.proof,
            key: stranger
        )
        let keptRegistered = late.receiveAttestation(registered.canonicalBytes)
        #expect(keptRegistered)
        #expect(late.lifecycle.attestations[task.taskID]?[registered.block]?[registered.ticket] == registered)
        let unregistered = BlockAttestation.sign(
            task: beyond.taskID,
            block: registered.block,
            ticket: attestation.ticket,
            proof: attestation.proof,
            key: stranger
        )
        let keptUnregistered = late.receiveAttestation(unregistered.canonicalBytes)
        #expect(!keptUnregistered)
        #expect(late.lifecycle.unregisteredAttestations == Node.unregisteredAttestationsLimit)
    }

    @Test func proofCandidatesAreBoundedPerTicketAndInAll() throws {
        let directory = try NodeTestSupport.temporaryDirectory("bound-candidates")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try Standalone(directory, seed: 23)
        let node = s.node
        let owner = try NodeKey(bytes: LocalNetwork.key(name: "owner", seed: 23).publicKey.bytes)
        func hear(task: Int, ticket: Int, variant: UInt8) {
            // The node's chain holds no registration of these tasks: every proof is a candidate.
            node.handle(
                WireMessage.selectionProof(
                    task: Hash256.sha256(Array("task \(task)".utf8)),
                    ticket: Hash256.sha256(Array("ticket \(ticket)".utf8)),
                    proof: Array(repeating: variant, count: 81),
                    owner: owner
                ).canonicalBytes,
                from: s.sender.address
            )
        }
        func held() -> Int {
            node.lifecycle.proofCandidates.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } }
        }
        #expect(Node.proofCandidatesPerTicket == 4 && Node.proofCandidatesLimit == 4096)
        let perTicket = Node.proofCandidatesPerTicket
        let tickets = Node.proofCandidatesLimit / perTicket
        // Per ticket: a fifth different proof, and a copy of a held one, are dropped.
        for variant in 0...UInt8(perTicket) { hear(task: 0, ticket: 0, variant: variant) }
        hear(task: 0, ticket: 0, variant: 0)
        #expect(held() == perTicket)
        // In all: tickets spread over tasks until the total is reached.
        for ticket in 1..<tickets {
            for variant in 0..<UInt8(perTicket) { hear(task: ticket % 7, ticket: ticket, variant: variant) }
        }
        #expect(held() == Node.proofCandidatesLimit)
        hear(task: 0, ticket: tickets, variant: 0)  // a new ticket of a task already held
        hear(task: 99, ticket: 0, variant: 0)  // a new task
        #expect(held() == Node.proofCandidatesLimit)
        #expect(node.lifecycle.proofCandidates[Hash256.sha256(Array("task 99".utf8))] == nil)
        // None was accepted, refused or passed on: they wait for their task's registration.
        #expect(node.lifecycle.proofs.isEmpty && node.statistics.proofsRefused == 0)
        #expect(try s.passedOn().isEmpty)
    }

    @Test func handledCheckpointsAreForgottenAtTheBoundAndAreThenHandledAgainHarmlessly() throws {
        let directory = try NodeTestSupport.temporaryDirectory("bound-checkpoints")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let network = try NodeRejectionTests.network(directory)
        let archive = network.archive
        let exchange = archive.checkpoints
        for _ in 0..<60 where exchange.received == 0 { try network.round() }
        let checkpoint = try #require(exchange.known.values.lazy.flatMap(\.values).first)
        let recorder = try #require(archive.recorders[checkpoint.taskID])
        let bytes = checkpoint.canonicalBytes
        #expect(exchange.handled.contains(Hash256.sha256(bytes)))  // what arrived is what is re-sent below
        let supervisor = try #require(network.supervisors.first { $0.nodeKey == checkpoint.supervisor })
        func deliver(_ payload: [UInt8]) {
            archive.handle(WireMessage.historyCheckpoint(payload).canonicalBytes, from: supervisor.address)
        }
        func counters() -> [Int] {
            [exchange.received, exchange.agreeing, exchange.disagreeing, exchange.relayed, exchange.refused]
        }
        let known = exchange.known
        let findings = archive.audit.findings.count
        // Handled once: a copy is not handled again.
        var before = counters()
        deliver(bytes)
        #expect(counters() == before)

        // Filled to the bound (one short, then one more through the wire: an undecodable checkpoint is handled
        // too), the set holds exactly `handledLimit` hashes.
        #expect(CheckpointExchange.handledLimit == 100_000)
        var filler = 0
        while exchange.handled.count < CheckpointExchange.handledLimit - 1 {
            exchange.handled.insert(Hash256.sha256(Array("handled \(filler)".utf8)))
            filler += 1
        }
        deliver([0xff, 0x00, 0x01])
        #expect(exchange.handled.count == CheckpointExchange.handledLimit)
        #expect(exchange.refused == before[4] + 1)
        // The next one makes the node forget them all: the copy of the known checkpoint is handled again, and
        // handling it again is harmless: counted as received and compared again, nothing relayed, no new
        // statement kept, no conflict found.
        before = counters()
        let agrees = checkpoint.matches(recorder.canonical)
        deliver(bytes)
        #expect(exchange.handled.count == 1 && exchange.handled.contains(Hash256.sha256(bytes)))
        #expect(exchange.received == before[0] + 1)
        #expect(exchange.agreeing == before[1] + (agrees == true ? 1 : 0))
        #expect(exchange.disagreeing == before[2] + (agrees == false ? 1 : 0))
        #expect(exchange.relayed == before[3] && exchange.refused == before[4])
        #expect(exchange.known == known)
        #expect(exchange.equivocations == 0 && archive.audit.findings.count == findings)
        // ... and it is handled once again from then on.
        before = counters()
        deliver(bytes)
        #expect(counters() == before)
        // Training goes on and the exchange with it: new checkpoints are handled, none is a conflict.
        let received = exchange.received
        for _ in 0..<60 where exchange.received == received { try network.round() }
        #expect(exchange.received > received)
        #expect(exchange.equivocations == 0 && archive.audit.findings.count == findings)
    }
}
