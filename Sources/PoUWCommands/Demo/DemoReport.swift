/// The `pouw demo --json` report (also written to `DIR/demo-report.json`).
struct DemoReport: Codable {
    struct Miner: Codable {
        var name: String
        var key: String
        var iterations: UInt64
        var epoch: UInt32
        var trainLoss: Double
        var testAccuracy: Double
        var blocksMined: Int
        var payout: String
        var balance: String
        /// The evaluator proved a cheat by this miner: it was paid nothing from the fee.
        var provenCheat: Bool

        enum CodingKeys: String, CodingKey {
            case name, key, iterations, epoch
            case provenCheat = "proven_cheat"
            case trainLoss = "train_loss"
            case testAccuracy = "test_accuracy"
            case blocksMined = "blocks_mined"
            case payout, balance
        }
    }

    struct Participant: Codable {
        var name: String
        var role: String
        var account: String
        /// Seats won in the task's VRF selection, e.g. "miner #1".
        var seats: String
        /// Stake still locked in tickets.
        var locked: String
        var payout: String
        var slashed: String
        var balance: String
    }

    /// How the task got started on chain.
    struct Lifecycle: Codable {
        var bootstrapRounds: Int
        var fillerBlocks: Int
        var tickets: Int
        var registrationHeight: UInt64?
        var selectionProofs: Int
        var supplyHeld: String
        var supplyExpected: String
        var supplyBalanced: Bool

        enum CodingKeys: String, CodingKey {
            case tickets
            case bootstrapRounds = "bootstrap_rounds"
            case fillerBlocks = "filler_blocks"
            case registrationHeight = "registration_height"
            case selectionProofs = "selection_proofs"
            case supplyHeld = "supply_held"
            case supplyExpected = "supply_expected"
            case supplyBalanced = "supply_balanced"
        }
    }

    /// Verifiers drawn per block (from each block's hash) and what the blocks' miners paid them.
    struct VerifierDraws: Codable {
        /// Main-chain blocks of the task.
        var taskBlocks: Int
        /// Verifier seats per block (the PAY_FOR_TASK's terms).
        var perBlock: Int
        /// (block, verifier) attestations in the TASK_RESULT.
        var attestations: Int
        var verifiers: [Verifier]

        struct Verifier: Codable {
            var ticket: String
            var account: String
            var blocks: Int
            var paid: String
        }

        enum CodingKeys: String, CodingKey {
            case attestations, verifiers
            case taskBlocks = "task_blocks"
            case perBlock = "per_block"
        }
    }

    struct Verification: Codable {
        var node: String
        var accepted: Int
        var invalid: Int
        var unavailable: Int
        var messagesRecorded: Int
        var messagesRejected: Int
        var verifySeconds: Double
        var auditsValid: Int
        var auditsInvalid: Int
        var auditsUnavailable: Int
        var evidenceSent: Int
        /// Why this node last refused a wire or iteration message (one of `messagesRejected`), if it ever did.
        var lastMessageRejection: String?

        enum CodingKeys: String, CodingKey {
            case node, accepted, invalid, unavailable
            case lastMessageRejection = "last_message_rejection"
            case messagesRecorded = "messages_recorded"
            case messagesRejected = "messages_rejected"
            case verifySeconds = "verify_seconds"
            case auditsValid = "audits_valid"
            case auditsInvalid = "audits_invalid"
            case auditsUnavailable = "audits_unavailable"
            case evidenceSent = "evidence_sent"
        }
    }

    /// The in-process network: its link conditions, what it did with the messages, and how the nodes fetched
    /// and re-sent what was lost (summed over the nodes).
    struct Network: Codable {
        var latencyMs: Double
        var jitterMs: Double
        var loss: Double
        var reorder: Double
        var sent: Int
        var lost: Int
        var heldBack: Int
        var fetchRequests: Int
        var hashesRequested: Int
        var retransmissions: Int
        var objectsFetched: Int
        var objectsRejected: Int
        var gaveUp: Int
        var blocksDeferred: Int
        var blocksRecovered: Int
        var blocksRequested: Int
        var reannounced: Int
        var relayed: Int
        /// Every node ended on the archive's tip with no block waiting for artefacts.
        var synchronized: Bool

        enum CodingKeys: String, CodingKey {
            case loss, reorder, sent, lost, retransmissions, reannounced, relayed, synchronized
            case latencyMs = "latency_ms"
            case jitterMs = "jitter_ms"
            case heldBack = "held_back"
            case fetchRequests = "fetch_requests"
            case hashesRequested = "hashes_requested"
            case objectsFetched = "objects_fetched"
            case objectsRejected = "objects_rejected"
            case gaveUp = "gave_up"
            case blocksDeferred = "blocks_deferred"
            case blocksRecovered = "blocks_recovered"
            case blocksRequested = "blocks_requested"
        }
    }

    var dataset: String
    var task: String
    var taskID: String
    var dataDirectory: String
    var seconds: Double
    var rounds: Int
    var interrupted: Bool
    var bestTestAccuracy: Double
    var chainHeight: UInt64
    var blocks: [String]
    var taskResult: String?
    var taskResultConfirmed: Bool
    var slashed: String
    /// Miners run by `--cheaters` (names), and the blocks they forged.
    var cheaters: [String]
    var forgedBlocks: Int
    var miners: [Miner]
    var participants: [Participant]
    var verification: [Verification]
    var lifecycle: Lifecycle
    var network: Network
    var verifierDraws: VerifierDraws

    enum CodingKeys: String, CodingKey {
        case verifierDraws = "verifier_draws"
        case dataset, task, seconds, rounds, interrupted, blocks, slashed, miners, participants, verification
        case lifecycle, cheaters, network
        case forgedBlocks = "forged_blocks"
        case taskID = "task_id"
        case dataDirectory = "data_dir"
        case bestTestAccuracy = "best_test_accuracy"
        case chainHeight = "chain_height"
        case taskResult = "task_result"
        case taskResultConfirmed = "task_result_confirmed"
    }
}
