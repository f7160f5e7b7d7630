/// The first byte of every canonical record: one registry for the whole node so that no two record types can
/// ever share a tag. A tag, once used in a stored or hashed format, is never reassigned.
public enum RecordTag: UInt8, Sendable, CaseIterable {
    // Core primitives (0xe0–0xef): proofs over RFC 6962 Merkle trees (PoUWCore/MerkleProofs.swift).
    case merkleInclusionProof = 0xe0
    case merkleConsistencyProof = 0xe1

    // Store (0x01–0x0f)
    case storeExport = 0x01

    // Chain (0x10–0x2f)
    case blockHeader = 0x10
    case block = 0x11
    case transaction = 0x12
    case accountState = 0x13
    case taskEscrow = 0x14
    case ticketRecord = 0x15
    case blockUndo = 0x16
    case blockIndexRecord = 0x17

    // Training (0x30–0x4f)
    case taskDefinition = 0x30
    case modelState = 0x31
    case sparseUpdate = 0x32
    case batch = 0x33

    // Protocol (0x50–0x6f)
    case iterationMessage = 0x50
    case historyCheckpoint = 0x51
    /// Leaf data of the canonical history vector (PoUWProtocol/History/HistoryVector.swift).
    case historyVectorEntry = 0x52
    // EVIDENCE payloads (PoUWProtocol/Verification/EvidenceProofs.swift), carried inside economics record 0x73.
    case failedReplayProof = 0x58
    case doubleSignatureProof = 0x59
    case equivocationProof = 0x5a

    // Economics (0x70–0x7f)
    case economicsParameters = 0x70
    case ticketPreferences = 0x71
    case taskRequirements = 0x72
    case evidence = 0x73
    case payoutTable = 0x74
    // 0x75 retired (was a second ticket record; the chain's ticketRecord 0x15 is the one).
    case settlementClaim = 0x76
    case economicState = 0x77
    case taskTerms = 0x78
    case blockAttestation = 0x79

    // Node (0x80–0x8f)
    case wireMessage = 0x80
    /// A paid task's manifest: what a node needs to rebuild the task without its data (PoUWNode/TaskManifest.swift).
    case taskManifest = 0x81
    /// A client's signed end-of-training announcement for a paid task (PoUWNode/EndOfTraining.swift).
    case endOfTraining = 0x82
    /// A seated evaluator's signature on the TASK_RESULT it would submit (PoUWNode/EvaluatorVote.swift).
    case evaluatorVote = 0x83
}
