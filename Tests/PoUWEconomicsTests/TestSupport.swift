import PoUWCore
import PoUWCrypto
import PoUWEconomics

/// SplitMix64: a small deterministic PRNG so statistical and property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

/// A VRF key for a test participant, derived from its name (deterministic, so worked examples are stable).
func vrfKey(_ name: String) throws -> VRF.SecretKey {
    try VRF.SecretKey(bytes: Hash256.sha256(Array("vrf key g \(hashOf(name).short)".utf8)).bytes)
}

/// A valid VRF public key for tickets whose draws a test does not need.
let testVRFPublicKey: [UInt8] = try! vrfKey("test").publicKey.bytes

/// A ticket holder's published VRF result for `alpha`.
func prove(_ key: VRF.SecretKey, alpha: [UInt8]) -> (beta: [UInt8], proof: [UInt8]) {
    let proof = key.prove(alpha: alpha)
    return (proof.output, proof.bytes)
}

func address(_ n: UInt8) -> Address {
    Address(bytes: [UInt8](repeating: 0, count: 19) + [n])!
}

func hashOf(_ text: String) -> Hash256 { Hash256.sha256(Array(text.utf8)) }

func units(_ n: UInt64) -> Amount { Amount(units: n) }

func pai(_ n: UInt64) -> Amount { Amount(units: n * Amount.unitsPerPAI) }

func computePreferences(
    _ models: [String] = ["mlp"],
    gpus: UInt16 = 1,
    memoryMiB: UInt32 = 8192,
    maxDataset: UInt64 = 1 << 30
) -> Preferences {
    .compute(
        try! ComputePreferences(
            modelTypes: models,
            gpuCount: gpus,
            gpuMemoryMiB: memoryMiB,
            maxDatasetBytes: maxDataset
        )
    )
}

func mnistRequirements() -> TaskRequirements {
    try! TaskRequirements(
        modelType: "mlp",
        datasetBytes: 50 << 20,
        minGPUCount: 1,
        minGPUMemoryMiB: 4096,
        storageBytes: 100 << 20,
        minBandwidthMbps: 100,
        minFaultsTolerated: 1
    )
}

func ticket(
    _ name: String,
    owner: Address,
    role: Role = .miner,
    lots: UInt32 = 1,
    purchasedAt height: UInt64 = 0,
    preferences: Preferences = computePreferences(),
    vrfKey: [UInt8] = []
) -> Ticket {
    Ticket(
        id: hashOf(name),
        owner: owner,
        role: role,
        stake: Amount(units: UInt64(lots) * EconomicsParameters.local.minimumTicketPrice.units),
        lots: lots,
        purchaseHeight: height,
        preferences: preferences,
        vrfPublicKey: vrfKey
    )
}

/// The repository root, from this file's path.
func packageRoot() -> String {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}
