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

/// A verifiable random function built from Ed25519 for tests, until ECVRF-P256 lands in PoUWCrypto: the proof
/// is the (deterministic, RFC 8032) signature of alpha, the output SHA-256 of the proof. Verification is real
/// (a forged or altered proof is rejected); unlike ECVRF it is not unique against a malicious key holder, which
/// the tests here do not rely on.
struct Ed25519TestVRF: VRFVerifying {
    static func prove(_ key: Ed25519.PrivateKey, alpha: [UInt8]) -> (beta: [UInt8], proof: [UInt8]) {
        let proof = key.sign(alpha)
        return (Hash256.sha256(proof).bytes, proof)
    }

    func verifiedOutput(publicKey: [UInt8], alpha: [UInt8], proof: [UInt8]) -> [UInt8]? {
        guard let key = try? Ed25519.PublicKey(bytes: publicKey), key.isValidSignature(proof, for: alpha) else {
            return nil
        }
        return Hash256.sha256(proof).bytes
    }
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
